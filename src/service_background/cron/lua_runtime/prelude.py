"""The Lua prelude that turns a fresh Lua 5.4 state into the sandbox, run before any user code."""
# It receives the Python callbacks as arguments, so they live only in upvalues (unreachable without the
# debug library, which it removes after keeping debug.sethook for the time limit).

PRELUDE = b'''
local check_deadline, hook_count, py_encode, py_decode, py_open, py_exec, py_close, ctx = ...

local sethook = debug.sethook
local raw_pcall, raw_xpcall, raw_error, raw_load = pcall, xpcall, error, load
local raw_setmetatable, raw_rawget, raw_next = setmetatable, rawget, next
local raw_type, raw_select, raw_tostring = type, select, tostring
local co_create, co_resume, co_close = coroutine.create, coroutine.resume, coroutine.close
local concat, pack, unpack = table.concat, table.pack, table.unpack
local raw_collect = collectgarbage
local G = _G

local TIMEOUT = "timeout"
local expired = false

-- Count hook: every hook_count VM instructions ask Python whether the deadline passed. Once it has,
-- every later hook fires the error again, so a loop that swallows it cannot run on.
local function hook()
  if expired or check_deadline() then
    expired = true
    raw_error(TIMEOUT, 0)
  end
end

-- pcall & co would swallow the timeout error: rethrow it when the deadline has passed.
local function rethrow(...)
  if expired then raw_error(TIMEOUT, 0) end
  return ...
end

G.os, G.io, G.debug, G.package, G.dofile, G.loadfile, G.python, G.warn = nil, nil, nil, nil, nil, nil, nil, nil
string.dump = nil

G.pcall = function(...) return rethrow(raw_pcall(...)) end
G.xpcall = function(...) return rethrow(raw_xpcall(...)) end
coroutine.resume = function(...) return rethrow(co_resume(...)) end
coroutine.close = function(...) return rethrow(co_close(...)) end

-- A new coroutine inherits the C hook but debug.sethook keeps the Lua hook function per thread, so
-- without this a loop inside a coroutine would never see the deadline.
coroutine.create = function(f)
  local co = co_create(f)
  sethook(co, hook, "", hook_count)
  return co
end

local function wrap_result(co, ok, ...)
  if ok then return ... end
  if expired then raw_error(TIMEOUT, 0) end
  local err = ...
  co_close(co)
  raw_error(err, 0)
end

coroutine.wrap = function(f)
  local co = coroutine.create(f)
  return function(...) return wrap_result(co, co_resume(co, ...)) end
end

-- Text chunks only: bytecode can break out of any Lua sandbox.
G.load = function(chunk, name, mode, ...)
  if raw_select("#", ...) > 0 then return raw_load(chunk, name, "t", ...) end
  return raw_load(chunk, name, "t")
end

-- Finalizers run with hooks off: a __gc loop would escape the time limit.
G.setmetatable = function(t, mt)
  if raw_type(mt) == "table" and raw_rawget(mt, "__gc") ~= nil then
    raw_error("__gc metamethods are not allowed in the sandbox", 2)
  end
  return raw_setmetatable(t, mt)
end

local GC_OPTIONS = { collect = true, count = true, step = true, isrunning = true }
G.collectgarbage = function(opt, ...)
  opt = opt or "collect"
  if not GC_OPTIONS[opt] then
    raw_error("collectgarbage('" .. raw_tostring(opt) .. "') is not allowed in the sandbox", 2)
  end
  return raw_collect(opt, ...)
end

-- print collects into a buffer that Python joins after the call (no Python call per line).
local out, n_out = {}, 0
G.print = function(...)
  local parts = {}
  for i = 1, raw_select("#", ...) do parts[i] = raw_tostring((raw_select(i, ...))) end
  n_out = n_out + 1
  out[n_out] = concat(parts, "\\t") .. "\\n"
end

local modules = {}
-- One value on success, nil and the error otherwise (as gopher-json).
local function one_or_error(value, err)
  if err ~= nil then return nil, err end
  return value
end
modules.json = {
  encode = function(value) return one_or_error(py_encode(value)) end,
  decode = function(text) return one_or_error(py_decode(text)) end,
}
if py_open then
  local redis = {}
  function redis.open(address, db, password)
    local handle, err = py_open(address, db, password)
    if not handle then return nil, err end
    local conn = {}
    function conn:exec(cmd, args) return py_exec(handle, cmd, args) end
    function conn:close() py_close(handle) end
    return conn, nil
  end
  modules.redis = redis
end

G.require = function(name)
  local m = modules[name]
  if m ~= nil then return m end
  if name == "redis" then raw_error("module 'redis' is disabled in this sandbox", 2) end
  raw_error("module '" .. raw_tostring(name) .. "' is not available in the sandbox (only json and redis)", 2)
end

if ctx then
  local method, headers, body, query = ctx.method, ctx.headers, ctx.body, ctx.query
  G.method = function() return method end
  G.headers = function() return headers end
  G.body = function() return body end
  G.query = function() return query end
end

local function global_functions()
  local names = {}
  for k, v in raw_next, G do
    if raw_type(v) == "function" then names[k] = true end
  end
  return names
end

local function finish(ok, ...)
  sethook()
  if not ok then return false, (...) end
  return true, raw_select("#", ...), ...
end

-- Runs the chunk, then the global function `name` (or the only global function the chunk defined).
-- Returns true, n, values... or false, error.
local function run(source, chunkname, name, args, nargs, chunk_fallback)
  local chunk, err = raw_load(source, chunkname, "t")
  if not chunk then return false, err end
  local before = global_functions()
  sethook(hook, "", hook_count)
  local results = pack(raw_pcall(chunk))
  if not results[1] or name == nil then return finish(unpack(results, 1, results.n)) end
  local fn = raw_rawget(G, name)
  if raw_type(fn) ~= "function" then
    local count = 0
    for k, v in raw_next, G do
      if raw_type(v) == "function" and not before[k] then fn, count = v, count + 1 end
    end
    if count == 0 and chunk_fallback then return finish(unpack(results, 1, results.n)) end
    if count ~= 1 then return finish(false, "function '" .. raw_tostring(name) .. "' is not defined") end
  end
  return finish(raw_pcall(fn, unpack(args, 1, nargs)))
end

local function output()
  sethook()
  return out, n_out
end

return run, output
'''
