-- bench-data.lua: measured figures on a page, from a results file that
-- `make bench UPDATE_BOOK=1` wrote and someone committed. The book build never
-- runs a benchmark; it only formats what was measured (tools/bench.py does the
-- formatting, so the terminal's table and the book's cannot disagree).
--
--   ::: {.bench data="book/data/bench-results.json" show="table"}
--   :::
--       show = table (C vs Rust), idle (QEMU's CPU per chapter) or machine
--       (a sentence naming the CPU, compilers and date)
--   [idle CPU]{.bench data="book/data/bench-results.json" key="qemu idle_cpu 02-executor percent"}
--       one value, inline: the keys lead through the results file's objects
--   [ratio]{.bench data="..." key="c x median_ns" per="rust y median_ns"}
--       the first value over the second, to two decimals (a C/Rust ratio)
--
-- Every value is put on the page inside <span class="bench"> (a table inside
-- <div class="bench">), so that tools/book/check.py can tell a
-- measured figure from a typed one.
--
-- Paths are relative to the repository root (BOOK_ROOT). A missing file or key
-- stops the build with a message naming the page.

local ROOT = os.getenv('BOOK_ROOT') or '.'
local PAGE = (PANDOC_STATE and PANDOC_STATE.input_files[1]) or '<stdin>'

local function fail(fmt, ...)
  io.stderr:write(PAGE .. ': error: ' .. string.format(fmt, ...) .. '\n')
  os.exit(1)
end

local function bench(data, args)
  if not data then fail('a .bench element needs data="book/data/....json"') end
  local argv = { ROOT .. '/tools/bench.py', 'markdown', ROOT .. '/' .. data }
  for _, a in ipairs(args) do table.insert(argv, a) end
  local ok, out = pcall(pandoc.pipe, 'python3', argv, '')
  if not ok then fail('tools/bench.py markdown %s %s failed', data, table.concat(args, ' ')) end
  return out
end

function Div(div)
  if not div.classes:includes('bench') then return nil end
  local show = div.attributes.show or 'table'
  local blocks = pandoc.read(bench(div.attributes.data, { show }), 'markdown').blocks
  return pandoc.Div(blocks, pandoc.Attr('', {'bench'}))
end

local function value(data, key)
  local keys = {'value'}
  for word in (key or ''):gmatch('%S+') do table.insert(keys, word) end
  if #keys == 1 then fail('an inline .bench element needs key="..."') end
  return (bench(data, keys):gsub('%s+$', ''))
end

function Span(span)
  if not span.classes:includes('bench') then return nil end
  local data, text = span.attributes.data, value(span.attributes.data, span.attributes.key)
  if span.attributes.per then
    local over = tonumber(value(data, span.attributes.per))
    if not tonumber(text) or not over or over == 0 then
      fail('per="%s": not a ratio of two numbers', span.attributes.per)
    end
    text = string.format('%.2f', tonumber(text) / over)
  end
  return pandoc.Span({pandoc.Str(text)}, pandoc.Attr('', {'bench'}))
end
