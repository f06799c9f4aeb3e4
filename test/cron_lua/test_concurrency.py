"""Calls from 8 threads at once stay isolated (each has its own Lua state)."""
from concurrent.futures import ThreadPoolExecutor

from service_background.cron.lua_runtime import LuaRuntime

CODE = '''
counter = 0
function job(id, n)
  for i = 1, n do counter = counter + 1 end
  print("done " .. id)
  return {id = id, counter = counter}
end
'''


def test_eight_threads_do_not_interfere():
    runtime = LuaRuntime(timeout_s=30)

    def one(index):
        if index % 4 == 3:  # some calls time out while the others run
            return index, runtime.call('while true do end', None, timeout_s=0.3)
        return index, runtime.call(CODE, 'job', [f'j{index}', 20000 + index])

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(one, range(32)))
    for index, result in results:
        if index % 4 == 3:
            assert result.timed_out
        else:
            assert result.ok, result.error
            assert result.value == {'id': f'j{index}', 'counter': 20000 + index}
            assert result.output == f'done j{index}\n'
