-- nav.lua: give every page the book's navigation, from the order file.
--
-- The order file (BOOK_ORDER, default pages.txt next to the page) lists one
-- markdown file (in the order file's folder) per line in reading order; "# ..." is a comment and a line
-- "== Title" starts a group of pages in the sidebar. A page's label is its
-- front matter's `nav-title`, or else its `title`.
--
-- The filter sets these variables for the template:
--   navgroups: list of { title?, pages: list of { href, label, current? } }
--   prev, next: { href, label } of the neighbouring pages, when there are
-- It also turns links to other pages' markdown files ("futures.md#poll")
-- into links to their HTML ("futures.html#poll"), so the sources read well
-- on a forge too.

local PAGE = (PANDOC_STATE and PANDOC_STATE.input_files[1]) or ''
local PAGE_BASE = PAGE:match('[^/]+$') or PAGE
local DIR = PAGE:match('^(.*)/[^/]+$') or '.'
local ORDER = os.getenv('BOOK_ORDER') or (DIR .. '/pages.txt')
local PAGES_DIR = ORDER:match('^(.*)/[^/]+$') or '.'

local function fail(fmt, ...)
  -- A plain message and exit status 1; error() would add a Lua stack trace.
  io.stderr:write(PAGE .. ': error: ' .. string.format(fmt, ...) .. '\n')
  os.exit(1)
end

local function html_name(md)
  return (md:gsub('%.md$', '.html'))
end

-- Read the order file: a list of entries { group = "..." } or { file = "x.md" }.
local function read_order()
  local f = io.open(ORDER, 'r')
  if not f then fail('cannot read the page order file "%s"', ORDER) end
  local entries = {}
  local n = 0
  for line in f:lines() do
    n = n + 1
    line = line:gsub('%s+$', ''):gsub('^%s+', '')
    local group = line:match('^==%s*(.-)%s*$')
    if group then
      table.insert(entries, { group = group })
    elseif line ~= '' and not line:match('^#') then
      if not line:match('^[%w._-]+%.md$') then
        fail('%s line %d: expected a markdown file name, got "%s"', ORDER, n, line)
      end
      table.insert(entries, { file = line })
    end
  end
  f:close()
  return entries
end

-- The label of another page, from its front matter.
local function label_of(file, meta_of_self)
  local meta = meta_of_self
  if not meta then
    local path = PAGES_DIR .. '/' .. file
    local f = io.open(path, 'r')
    if not f then
      fail('"%s" is listed in %s but does not exist', file, ORDER)
    end
    local text = f:read('a')
    f:close()
    -- only the front matter is needed
    local front = text:match('^%-%-%-\n.-\n%-%-%-\n') or text:match('^%-%-%-\n.-\n%.%.%.\n') or ''
    meta = pandoc.read(front, 'markdown').meta
  end
  local label = meta['nav-title'] or meta.title
  if not label then fail('"%s" has no title in its front matter', file) end
  return label
end

local function entry(file, meta_of_self)
  return {
    href = pandoc.MetaString(html_name(file)),
    label = label_of(file, meta_of_self),
  }
end

function Meta(meta)
  local entries = read_order()
  local groups = {}
  local current = { pages = {} }
  local flat, here = {}, nil
  for _, e in ipairs(entries) do
    if e.group then
      if #current.pages > 0 or current.title then table.insert(groups, current) end
      current = { title = pandoc.MetaString(e.group), pages = {} }
    else
      local is_self = (e.file == PAGE_BASE)
      local item = entry(e.file, is_self and meta or nil)
      if is_self then
        item.current = true
        here = #flat + 1
      end
      table.insert(current.pages, item)
      table.insert(flat, e.file)
    end
  end
  table.insert(groups, current)
  meta.navgroups = groups
  if here then
    if here > 1 then meta.prev = entry(flat[here - 1]) end
    if here < #flat then meta.next = entry(flat[here + 1]) end
  end
  return meta
end

function Link(el)
  local t = el.target
  if t:match('^%a[%w+.-]*:') or t:match('^#') then return nil end
  local file, frag = t:match('^([^#]+%.md)(#?.*)$')
  if file then
    el.target = html_name(file) .. frag
    return el
  end
  return nil
end

return {
  { Link = Link },
  { Meta = Meta },
}
