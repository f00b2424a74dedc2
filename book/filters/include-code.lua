-- include-code.lua: fill code blocks from the project's sources, so the book
-- shows the code that is built and tested, never a stale copy.
--
--   ```{.c include="kernel-base/kernel/idt.c" region="idt_load"}
--   ```
--   ```{.c include="chapters/01-futures/src/future.h"}
--   ```
--   ```{.c include="kernel-base/kernel/idt.c" function="idt_init"}
--   ```
--
-- Paths are relative to the repository root (environment variable BOOK_ROOT).
-- A region is the lines between two whole-line markers
--     // region: NAME          (or  # region: NAME   in Makefiles and shell)
--     // endregion: NAME
-- A function is a C function definition, found by its name, with the comment
-- directly above it. Marker lines are never shown. The lines between
--     // exercise: N.M begin
--     // exercise: N.M end
-- are replaced by one line "// Exercise N.M: your code goes here", so the
-- book never shows an exercise's solution. The result is dedented and given a
-- caption naming the source file.
--
-- Any problem (missing file, region or function; unbalanced markers) stops the
-- build with a message that names the page, the file and the region.
--
-- When BOOK_DEPFILE and BOOK_TARGET are set, the filter writes a make
-- dependency file listing every file it included, so a page is re-rendered
-- when its code changes.

local ROOT = os.getenv('BOOK_ROOT') or '.'
local PAGE = (PANDOC_STATE and PANDOC_STATE.input_files[1]) or '<stdin>'
if PAGE:sub(1, #ROOT + 1) == ROOT .. '/' then PAGE = PAGE:sub(#ROOT + 2) end
local TAB_WIDTH = 8

local included = {}      -- absolute paths of every file this page included
local included_seen = {}

local function fail(fmt, ...)
  -- A plain message and exit status 1; error() would add a Lua stack trace.
  io.stderr:write(PAGE .. ': error: ' .. string.format(fmt, ...) .. '\n')
  os.exit(1)
end

local function html_escape(s)
  return (s:gsub('[&<>"]', { ['&'] = '&amp;', ['<'] = '&lt;',
                             ['>'] = '&gt;', ['"'] = '&quot;' }))
end

local function read_lines(path)
  local full = ROOT .. '/' .. path
  local f = io.open(full, 'rb')
  if not f then
    fail('cannot include "%s": no such file (paths are relative to the repository root)', path)
  end
  local text = f:read('a')
  f:close()
  if not included_seen[full] then
    included_seen[full] = true
    table.insert(included, full)
  end
  local lines = {}
  for line in (text:gsub('\r\n', '\n') .. '\n'):gmatch('(.-)\n') do
    table.insert(lines, line)
  end
  if lines[#lines] == '' then table.remove(lines) end
  return lines
end

-- Marker recognisers. Each returns the comment leader ("//" or "#") and the name.
local function marker(line, word)
  local lead, name = line:match('^%s*(//)%s*' .. word .. ':%s*(%S+)%s*$')
  if not lead then
    lead, name = line:match('^%s*(#)%s*' .. word .. ':%s*(%S+)%s*$')
  end
  return lead, name
end

local function is_region_marker(line)
  return marker(line, 'region') ~= nil or marker(line, 'endregion') ~= nil
end

-- "// exercise: 1.2 begin" -> indent, leader, id, "begin"
local function exercise_marker(line)
  local indent, lead, id, what =
    line:match('^(%s*)(//)%s*exercise:%s*([%w._-]+)%s+(%a+)%s*$')
  if not indent then
    indent, lead, id, what =
      line:match('^(%s*)(#)%s*exercise:%s*([%w._-]+)%s+(%a+)%s*$')
  end
  if what ~= 'begin' and what ~= 'end' then return nil end
  return indent, lead, id, what
end

-- Hide marker lines and exercise bodies.
local function clean(lines, path, what)
  local out = {}
  local i = 1
  while i <= #lines do
    local line = lines[i]
    local indent, lead, id, kind = exercise_marker(line)
    if kind == 'begin' then
      local j = i + 1
      while j <= #lines do
        local _, _, id2, kind2 = exercise_marker(lines[j])
        if id2 == id and kind2 == 'end' then break end
        j = j + 1
      end
      if j > #lines then
        fail('%s of "%s": "exercise: %s begin" has no matching "exercise: %s end" inside the included lines',
             what, path, id, id)
      end
      table.insert(out, indent .. lead .. ' Exercise ' .. id .. ': your code goes here')
      i = j + 1
    elseif kind == 'end' then
      fail('%s of "%s": "exercise: %s end" without its "begin" inside the included lines',
           what, path, id)
    else
      if not is_region_marker(line) then table.insert(out, line) end
      i = i + 1
    end
  end
  return out
end

local function expand_tabs(line)
  local out, col = {}, 0
  for ch in line:gmatch('.') do
    if ch == '\t' then
      local n = TAB_WIDTH - (col % TAB_WIDTH)
      table.insert(out, string.rep(' ', n))
      col = col + n
    else
      table.insert(out, ch)
      col = col + 1
    end
  end
  return table.concat(out)
end

-- Expand tabs, drop blank lines at both ends, remove the common indentation.
local function tidy(lines)
  local t = {}
  for _, l in ipairs(lines) do
    table.insert(t, (expand_tabs(l):gsub('%s+$', '')))
  end
  while #t > 0 and t[1] == '' do table.remove(t, 1) end
  while #t > 0 and t[#t] == '' do table.remove(t) end
  local min
  for _, l in ipairs(t) do
    if l ~= '' then
      local n = #l:match('^ *')
      if not min or n < min then min = n end
    end
  end
  min = min or 0
  for k, l in ipairs(t) do t[k] = l:sub(min + 1) end
  return table.concat(t, '\n')
end

local function find_region(lines, path, name)
  local first, last
  for i, line in ipairs(lines) do
    local _, n = marker(line, 'region')
    if n == name then
      if first then
        fail('region "%s" is marked twice in "%s" (lines %d and %d)', name, path, first, i)
      end
      first = i
    end
  end
  if not first then
    fail('region "%s" not found in "%s" (expected a line "// region: %s")', name, path, name)
  end
  for i = first + 1, #lines do
    local _, n = marker(lines[i], 'endregion')
    if n == name then last = i; break end
  end
  if not last then
    fail('region "%s" in "%s" has no end marker (expected a line "// endregion: %s")',
         name, path, name)
  end
  return first + 1, last - 1
end

-- A tiny C scanner: from position pos (just after an opening bracket `open`),
-- return the position of the matching `close`, skipping comments, strings and
-- character constants.
local function match_bracket(text, pos, open, close)
  local depth = 1
  local i, n = pos, #text
  while i <= n do
    local c = text:sub(i, i)
    local c2 = text:sub(i, i + 1)
    if c2 == '/*' then
      local e = text:find('*/', i + 2, true)
      if not e then return nil end
      i = e + 2
    elseif c2 == '//' then
      local e = text:find('\n', i + 2, true) or n
      i = e + 1
    elseif c == '"' or c == "'" then
      i = i + 1
      while i <= n do
        local d = text:sub(i, i)
        if d == '\\' then i = i + 2
        elseif d == c or d == '\n' then i = i + 1; break
        else i = i + 1 end
      end
    else
      if c == open then depth = depth + 1
      elseif c == close then
        depth = depth - 1
        if depth == 0 then return i end
      end
      i = i + 1
    end
  end
  return nil
end

local function skip_space_and_comments(text, pos)
  while true do
    local s = text:match('^%s*()', pos)
    pos = s
    if text:sub(pos, pos + 1) == '/*' then
      local e = text:find('*/', pos + 2, true)
      if not e then return pos end
      pos = e + 2
    elseif text:sub(pos, pos + 1) == '//' then
      pos = (text:find('\n', pos, true) or #text) + 1
    else
      return pos
    end
  end
end

local function ends_statement(line)
  local l = line:gsub('%s+$', '')
  return l == '' or l:match('[;{}]$') or l:match('%*/$') or l:match('^%s*#')
      or l:match('^%s*//') or l:match(':$')
end

-- Lines [first, last] of the definition of C function `name`, including the
-- comment directly above it.
local function find_function(lines, path, name)
  local starts = {}
  local pos = 1
  for i, l in ipairs(lines) do
    starts[i] = pos
    pos = pos + #l + 1
  end
  local joined = table.concat(lines, '\n')
  local function line_of(p)
    local lo, hi = 1, #starts
    while lo < hi do
      local mid = (lo + hi + 1) // 2
      if starts[mid] <= p then lo = mid else hi = mid - 1 end
    end
    return lo
  end
  local escaped = name:gsub('%W', '%%%0')
  for i, line in ipairs(lines) do
    -- A definition's name sits on a line that starts in column 0.
    local col = line:match('^' .. escaped .. '%s*()%(')
      or line:match('^[%a_][^;=]*%f[%w_]' .. escaped .. '%s*()%(')
    if col and not line:match('^#') then
      local open = starts[i] + col - 1
      local close = match_bracket(joined, open + 1, '(', ')')
      if close then
        local after = skip_space_and_comments(joined, close + 1)
        if joined:sub(after, after) == '{' then
          local body_end = match_bracket(joined, after + 1, '{', '}')
          if not body_end then
            fail('function "%s" in "%s": unbalanced braces', name, path)
          end
          local first, last = i, line_of(body_end)
          -- the return type may sit on the lines above the name
          while first > 1 and not ends_statement(lines[first - 1]) do
            first = first - 1
          end
          -- the comment directly above
          local above = lines[first - 1]
          if above and above:match('%*/%s*$') and not is_region_marker(above) then
            local k = first - 1
            while k >= 1 and not lines[k]:find('/*', 1, true) do k = k - 1 end
            if k >= 1 then first = k end
          else
            while first > 1 and lines[first - 1]:match('^%s*//')
                  and not is_region_marker(lines[first - 1])
                  and not exercise_marker(lines[first - 1]) do
              first = first - 1
            end
          end
          return first, last
        end
      end
    end
  end
  fail('function "%s" not found in "%s" (looked for its definition, with its name at the start of a line or after its return type)',
       name, path)
end

local LANG_BY_EXT = {
  c = 'c', h = 'c', S = 'gnuassembler', s = 'gnuassembler', sh = 'bash',
  py = 'python', lua = 'lua', mk = 'makefile', ld = 'c', json = 'json',
}

local function language_of(path)
  local base = path:match('[^/]+$')
  if base == 'Makefile' or base == 'GNUmakefile' then return 'makefile' end
  return LANG_BY_EXT[base:match('%.([^.]+)$') or ''] or nil
end

function CodeBlock(el)
  local path = el.attributes['include']
  if not path then return nil end
  local region = el.attributes['region']
  local func = el.attributes['function']
  if region and func then
    fail('code block including "%s" names both a region and a function; choose one', path)
  end
  if el.text:match('%S') then
    fail('code block including "%s" must be empty (its text comes from the file)', path)
  end

  local lines = read_lines(path)
  local first, last, what, detail = 1, #lines, 'whole file', ''
  if region then
    what = 'region "' .. region .. '"'
    first, last = find_region(lines, path, region)
  elseif func then
    what = 'function "' .. func .. '"'
    first, last = find_function(lines, path, func)
  end
  if region or func then
    detail = string.format('lines %d–%d', first, last)
  end
  local body = {}
  for i = first, last do table.insert(body, lines[i]) end
  local code = tidy(clean(body, path, what))
  if code == '' then
    fail('%s of "%s" is empty', what, path)
  end

  local classes = el.classes
  if #classes == 0 then
    local lang = language_of(path)
    if lang then classes = { lang } end
  end
  local attrs = {}
  for k, v in pairs(el.attributes) do
    if k ~= 'include' and k ~= 'region' and k ~= 'function' then attrs[k] = v end
  end
  local block = pandoc.CodeBlock(code, pandoc.Attr('', classes, attrs))

  local caption = '<div class="listing-caption"><span class="listing-file">'
    .. html_escape(path) .. '</span>'
  if func then
    caption = caption .. ' <span class="listing-what">' .. html_escape(func) .. '()</span>'
  end
  if detail ~= '' then
    caption = caption .. ' <span class="listing-lines">' .. detail .. '</span>'
  end
  caption = caption .. '</div>'
  return pandoc.Div({ pandoc.RawBlock('html', caption), block },
                    pandoc.Attr(el.identifier, { 'listing' }))
end

local function make_escape(p)
  return (p:gsub(' ', '\\ '):gsub('%$', '$$'))
end

function Pandoc(doc)
  local depfile, target = os.getenv('BOOK_DEPFILE'), os.getenv('BOOK_TARGET')
  if depfile and target then
    local deps = {}
    for _, p in ipairs(included) do table.insert(deps, make_escape(p)) end
    local out = make_escape(target) .. ':'
    if #deps > 0 then out = out .. ' ' .. table.concat(deps, ' ') end
    out = out .. '\n'
    for _, d in ipairs(deps) do out = out .. d .. ':\n' end
    local f = assert(io.open(depfile, 'w'))
    f:write(out)
    f:close()
  end
  return nil
end

return {
  { CodeBlock = CodeBlock },
  { Pandoc = Pandoc },
}
