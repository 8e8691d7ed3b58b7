-- Drives Neovim's own LSP client against the pitfalls language server.
--
-- Run as: nvim --headless -u NONE -i NONE -c "luafile driver.lua", with PITFALLS_E2E_SPEC
-- naming a JSON file (written by tests/e2e/test_neovim.py) that says which server to start,
-- which file to open and what to expect. Each step is recorded in the result file named by
-- the spec; Neovim exits 0 when every step passed and non-zero (cq!) on the first failure.
--
-- Works on Neovim 0.7 (vim.lsp.start_client, UTF-16 only) and on newer versions
-- (vim.lsp.start, which also offers UTF-8 and UTF-32 to the server).

local spec_read, spec = pcall(function()
  return vim.fn.json_decode(table.concat(vim.fn.readfile(os.getenv('PITFALLS_E2E_SPEC')), '\n'))
end)
if not spec_read then
  io.stderr:write('driver.lua: cannot read the JSON file named by PITFALLS_E2E_SPEC: ' .. tostring(spec) .. '\n')
  vim.cmd('cq!')
  return
end
local timeout = spec.timeout_ms or 10000
local report = { nvim = tostring(vim.version().major .. '.' .. vim.version().minor), steps = {} }
local client_id, bufnr

local function fail(message, ...)
  error(string.format(message, ...), 0)
end

local function client()
  return vim.lsp.get_client_by_id(client_id)
end

local function code_of(diagnostic)
  local lsp = diagnostic.user_data and diagnostic.user_data.lsp or {}
  return diagnostic.code or lsp.code
end

local function describe(diagnostics)
  local parts = {}
  for _, d in ipairs(diagnostics) do
    table.insert(parts, string.format('%s@%d:%d-%d:%d', code_of(d), d.lnum + 1, d.col, d.end_lnum + 1, d.end_col))
  end
  return '[' .. table.concat(parts, ', ') .. ']'
end

-- The 0-based line holding `needle` (a plain substring); fails unless exactly one does.
local function line_containing(needle)
  local found
  for index, line in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)) do
    if line:find(needle, 1, true) then
      if found then
        fail('%q occurs on lines %d and %d of the buffer; make it unique', needle, found + 1, index)
      end
      found = index - 1
    end
  end
  if not found then
    fail('no line of the buffer contains %q', needle)
  end
  return found
end

-- Where an expectation says the diagnostic must be, in byte columns as vim.diagnostic keeps them.
local function expected_place(expect)
  local lnum = line_containing(expect.on)
  local line = vim.api.nvim_buf_get_lines(bufnr, lnum, lnum + 1, false)[1]
  local start = line:find(expect.text, 1, true)
  if not start then
    fail('line %d (%q) does not contain %q', lnum + 1, line, expect.text)
  end
  return { lnum = lnum, col = start - 1, end_col = start - 1 + #expect.text }
end

local function find_diagnostic(code, place)
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if code_of(d) == code and d.lnum == place.lnum and d.col == place.col
      and d.end_lnum == place.lnum and d.end_col == place.end_col then
      return d
    end
  end
end

-- Waits until the diagnostic an expectation describes is shown, at exactly its place.
local function wait_for_diagnostic(expect)
  local place = expected_place(expect)
  local found
  vim.wait(timeout, function()
    found = find_diagnostic(expect.code, place)
    return found ~= nil
  end, 20)
  if not found then
    local line = vim.api.nvim_buf_get_lines(bufnr, place.lnum, place.lnum + 1, false)[1]
    fail('%s expected at line %d, byte columns %d-%d (%q in %q); Neovim shows %s', expect.code,
      place.lnum + 1, place.col, place.end_col, expect.text, line, describe(vim.diagnostic.get(bufnr)))
  end
  return found
end

local function step(name, action)
  local detail = action()
  table.insert(report.steps, { name = name, detail = detail or vim.NIL })
end

local function start_server()
  vim.cmd('edit ' .. vim.fn.fnameescape(spec.file))
  bufnr = vim.api.nvim_get_current_buf()
  vim.bo[bufnr].filetype = 'python'
  local config = {
    name = 'pitfalls',
    cmd = spec.server,
    root_dir = spec.root,
    init_options = spec.init_options,
    settings = spec.settings,
    on_exit = function(code, signal)
      report.server_exit = { code = code, signal = signal }
    end,
  }
  if vim.lsp.start then
    client_id = vim.lsp.start(config, { bufnr = bufnr })
  else
    client_id = vim.lsp.start_client(config)
    if client_id then
      vim.lsp.buf_attach_client(bufnr, client_id)
    end
  end
  if not client_id then
    fail('Neovim could not start the server %s', table.concat(spec.server, ' '))
  end
  local start_timeout = spec.start_timeout_ms or 20000
  vim.wait(start_timeout, function() return report.server_exit or (client() and client().initialized) end, 20)
  if report.server_exit then
    fail('the server exited with code %d before it was ready: %s (its stderr is in lsp.log)',
      report.server_exit.code, table.concat(spec.server, ' '))
  elseif not client().initialized then
    fail('the server did not answer initialize within %d ms: %s', start_timeout, table.concat(spec.server, ' '))
  end
  report.offset_encoding = client().offset_encoding
  return 'position encoding ' .. client().offset_encoding
end

-- Each finding must be shown once: a server that both pushes diagnostics and answers
-- pulls for them shows every finding twice in clients that pull (Neovim 0.10+).
local function check_shown_once()
  vim.wait(spec.settle_ms or 500)
  local shown = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    local key = describe({ d })
    if shown[key] then
      fail('%s is shown twice; Neovim shows %s', key, describe(vim.diagnostic.get(bufnr)))
    end
    shown[key] = true
  end
end

local function check_diagnostics()
  local seen = {}
  for _, expect in ipairs(spec.expect) do
    local d = wait_for_diagnostic(expect)
    table.insert(seen, string.format('%s at line %d, byte %d', expect.code, d.lnum + 1, d.col))
  end
  check_shown_once()
  report.diagnostics = describe(vim.diagnostic.get(bufnr))
  return table.concat(seen, ', ')
end

-- Sends a request to our server through the buffer, as Neovim's own commands do.
local function request(method, params)
  local responses = vim.lsp.buf_request_sync(bufnr, method, params, timeout) or {}
  local response = responses[client_id]
  if not response then
    fail('%s: no answer from the server within %d ms', method, timeout)
  end
  if response.error then
    fail('%s failed: %s', method, vim.inspect(response.error))
  end
  return response.result
end

local function put_cursor_on(d)
  vim.api.nvim_win_set_cursor(0, { d.lnum + 1, d.col })
end

local function flatten_hover(contents)
  if type(contents) == 'string' then
    return contents
  end
  if contents.value then
    return contents.value
  end
  local parts = {}
  for _, item in ipairs(contents) do
    table.insert(parts, flatten_hover(item))
  end
  return table.concat(parts, '\n')
end

local function check_hover()
  local d = wait_for_diagnostic(spec.hover)
  put_cursor_on(d)
  local params = vim.lsp.util.make_position_params(0, client().offset_encoding)
  local result = request('textDocument/hover', params)
  if not result then
    fail('no hover on %s at line %d, column %d', spec.hover.code, d.lnum + 1, d.col)
  end
  local text = flatten_hover(result.contents)
  if not text:find(spec.hover.url, 1, true) then
    fail('the hover on %s does not link %s; it says:\n%s', spec.hover.code, spec.hover.url, text)
  end
  return text:match('[^\n]+')
end

-- The diagnostics of the cursor line, as vim.lsp.buf.code_action() sends them in the context.
local function line_diagnostics(lnum)
  if vim.fn.has('nvim-0.10') == 0 then
    return vim.lsp.diagnostic.get_line_diagnostics(bufnr, lnum)
  end
  return vim.tbl_map(function(d) return d.user_data.lsp end, vim.diagnostic.get(bufnr, { lnum = lnum }))
end

local function is_quick_fix_for(action, code)
  if not (action.kind or ''):match('^quickfix') then
    return false
  end
  for _, d in ipairs(action.diagnostics or {}) do
    if d.code == code then
      return true
    end
  end
  return action.title:find(code, 1, true) ~= nil
end

-- The action that fixes the code: the server also offers quick fixes that do not (add a
-- suppression comment, open a video); the spec names their titles as Lua patterns.
local function fixes_code(action)
  for _, pattern in ipairs(spec.not_fixes or {}) do
    if action.title:match(pattern) then
      return false
    end
  end
  return true
end

local function choose_quick_fix(actions, code)
  local candidates = vim.tbl_filter(function(action)
    return is_quick_fix_for(action, code) and fixes_code(action)
  end, actions)
  for _, action in ipairs(candidates) do
    if action.isPreferred then
      return action
    end
  end
  return candidates[1]
end

local function apply(action)
  if not action.edit and not action.command and client().server_capabilities
    and (client().server_capabilities.codeActionProvider or {}).resolveProvider then
    action = request('codeAction/resolve', action)
  end
  if action.edit then
    vim.lsp.util.apply_workspace_edit(action.edit, client().offset_encoding)
  end
  if action.command then
    local command = type(action.command) == 'table' and action.command or action
    request('workspace/executeCommand', { command = command.command, arguments = command.arguments })
  end
  if not action.edit and not action.command then
    fail('the quick fix %q carries neither an edit nor a command', action.title)
  end
end

local function apply_quick_fix(expect)
  local d = wait_for_diagnostic(expect)
  put_cursor_on(d)
  local params = vim.lsp.util.make_range_params(0, client().offset_encoding)
  params.context = { diagnostics = line_diagnostics(d.lnum) }
  local actions = request('textDocument/codeAction', params) or {}
  local action = choose_quick_fix(actions, expect.code)
  if not action then
    local titles = vim.tbl_map(function(a) return string.format('%s (%s)', a.title, a.kind) end, actions)
    fail('no quick fix for %s at line %d; the server offers: %s', expect.code, d.lnum + 1,
      vim.inspect(titles))
  end
  local before = vim.api.nvim_buf_get_lines(bufnr, d.lnum, d.lnum + 1, false)[1]
  apply(action)
  local after = vim.api.nvim_buf_get_lines(bufnr, d.lnum, d.lnum + 1, false)[1]
  if expect.fixed_text and not after:find(expect.fixed_text, 1, true) then
    fail('after %q, line %d reads %q; expected it to contain %q', action.title, d.lnum + 1, after,
      expect.fixed_text)
  end
  local gone = vim.wait(timeout, function()
    for _, other in ipairs(vim.diagnostic.get(bufnr, { lnum = d.lnum })) do
      if code_of(other) == expect.code then
        return false
      end
    end
    return true
  end, 20)
  if not gone then
    fail('%s is still reported on line %d after applying %q: %s', expect.code, d.lnum + 1, action.title,
      describe(vim.diagnostic.get(bufnr)))
  end
  return string.format('%s: %q -> %q', action.title, before, after)
end

local function apply_quick_fixes()
  local done = {}
  for _, expect in ipairs(spec.fix) do
    table.insert(done, apply_quick_fix(expect))
  end
  return done
end

local function write_and_check_disk()
  vim.cmd('write')
  local on_disk = table.concat(vim.fn.readfile(spec.file), '\n')
  local in_buffer = table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n')
  if on_disk ~= in_buffer then
    fail('the file on disk differs from the buffer after :write')
  end
  local parse = 'import ast, sys; ast.parse(open(sys.argv[1], encoding="utf-8").read())'
  local output = vim.fn.system({ spec.python, '-c', parse, spec.file })
  if vim.v.shell_error ~= 0 then
    fail('the fixed file does not parse:\n%s', output)
  end
  return string.format('%d lines written and parsed', vim.api.nvim_buf_line_count(bufnr))
end

local function type_new_pitfall()
  local keys = vim.api.nvim_replace_termcodes(spec.type.keys, true, false, true)
  vim.api.nvim_feedkeys(keys, 'x', false)
  local d = wait_for_diagnostic(spec.type.expect)
  check_shown_once()
  return string.format('%s appeared at line %d, byte %d', spec.type.expect.code, d.lnum + 1, d.col)
end

local function finish(ok, message)
  report.ok = ok
  report.error = message or vim.NIL
  vim.fn.writefile({ vim.fn.json_encode(report) }, spec.result)
  vim.cmd(ok and 'qa!' or 'cq!')
end

local ok, err = pcall(function()
  step('start', start_server)
  step('diagnostics', check_diagnostics)
  step('hover', check_hover)
  step('quick fix', apply_quick_fixes)
  step('write', write_and_check_disk)
  step('type', type_new_pitfall)
end)
finish(ok, not ok and tostring(err) or nil)
