"""Published Lua functions: POST /v1/add/func, served on the func port (HTTP_FUNC_LISTEN)."""
import io
import json
import tarfile

import pyotp
import pytest
import redis
import requests

from ..helpers import free_port, running_container, unique_name

EXAMPLE_BODY = '''function HelloWorld()
     local json = require("json")
     local redis = require("redis")
     local conn,err = redis.open("127.0.0.1:%d",0)
     local reply,err = conn:exec("GET",{"YM"})
     if err then error(err) end

     local table = {
         ["method"]=method(),
         ["headers"]=headers(),
         ["YM"]=tonumber(reply)
     }
     local result,err = json.encode(table)
     if err then error(err) end
     print(result)
end'''


@pytest.fixture(scope='module')
def service():
    """(api url, func url) of one container on memory persistences."""
    port = free_port()
    with running_container(MEMORY_ENABLED='true', HTTP_FUNC_LISTEN=str(port), CRON_FUNC_TIMEOUT='2') as url:
        yield url, f'http://127.0.0.1:{port}'


@pytest.fixture
def group(service):
    name = unique_name('f')[:22]
    r = requests.post(f'{service[0]}/v1/register/group', json={'group_name': name}, timeout=10)
    return name, r.json()['otp_secret']


def _add(url, group_name, name, lua_body, **fields):
    r = requests.post(f'{url}/v1/add/func', json=dict({'group_name': group_name, 'name': name, 'use_otp': False,
                                                       'disable_group_otp': False, 'lua_body': lua_body,
                                                       'momo': ''}, **fields), timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def test_the_documented_example_is_served_on_the_func_port(service, group, redis_port):  # noqa: F811
    url, func_url = service
    name, _ = group
    redis.Redis(host='127.0.0.1', port=redis_port).set('YM', 55)
    func = _add(url, name, 'Hello', EXAMPLE_BODY % redis_port)
    assert func['name'] == 'Hello' and func['otp_secret'] is None
    r = requests.get(f'{func_url}/{name}/Hello', headers={'X-Test': 'yes'}, timeout=10)
    assert r.status_code == 200 and r.headers['Content-Type'].startswith('application/json'), r.text
    body = r.json()
    assert body['method'] == 'GET' and body['YM'] == 55 and body['headers']['X-Test'] == 'yes'
    assert requests.get(f'{url}/{name}/Hello', timeout=10).status_code == 404  # not on the API port


def test_any_method_with_body_and_query(service, group):
    url, func_url = service
    name, _ = group
    _add(url, name, 'Echo', 'print(method() .. " " .. body() .. " " .. query().a[2] .. query().b)')
    for method in ('POST', 'PUT', 'DELETE', 'PATCH'):
        r = requests.request(method, f'{func_url}/{name}/Echo?a=1&a=2&b=x', data='payload', timeout=10)
        assert r.status_code == 200 and r.text == f'{method} payload 2x\n', r.text
        assert r.headers['Content-Type'].startswith('text/plain')
    r = requests.get(f'{func_url}/{name}/Echo', params={'a': ['1', 'ä'], 'b': 'ü'}, timeout=10)
    assert r.status_code == 200 and r.content.decode('utf-8') == 'GET  äü\n', r.text


def test_errors_are_500_timeouts_504_unknown_404(service, group):
    url, func_url = service
    name, _ = group
    _add(url, name, 'Boom', 'function Boom() error("kaput") end')
    r = requests.get(f'{func_url}/{name}/Boom', timeout=10)
    assert r.status_code == 500 and 'kaput' in r.json()['message'], r.text
    _add(url, name, 'Spin', 'function Spin() while true do end end')  # CRON_FUNC_TIMEOUT=2 here
    r = requests.get(f'{func_url}/{name}/Spin', timeout=15)
    assert r.status_code == 504 and r.json()['code'] == 'FUNC_TIMEOUT', r.text
    _add(url, name, 'Quick', 'function Quick() while true do end end', timeout=1)
    assert requests.get(f'{func_url}/{name}/Quick', timeout=15).status_code == 504
    assert requests.get(f'{func_url}/{name}/Nope', timeout=10).status_code == 404
    assert requests.get(f'{func_url}/NoSuchGroup/Boom', timeout=10).status_code == 404
    r = requests.post(f'{url}/v1/add/func', json={'group_name': name, 'name': 'Bad', 'lua_body': 'function ('},
                      timeout=10)
    assert r.status_code == 400 and r.json()['code'] == 'BAD_LUA_BODY'
    for bad in ({'name': 'a b'}, {'use_otp': 'yes'}, {'lua_body': ''}, {'group_name': 'NoSuchGroup'}):
        body = dict({'group_name': name, 'name': 'Ok', 'lua_body': 'print(1)'}, **bad)
        r = requests.post(f'{url}/v1/add/func', json=body, timeout=10)
        assert r.status_code in (400, 404), r.text


def test_a_guarded_func_opens_with_its_own_secret_never_the_group_one(service, group):
    """The group's code goes to every HTTP@ target, so it opens no function."""
    url, func_url = service
    name, secret = group
    own = _add(url, name, 'Guarded', 'print("in")', use_otp=True)['otp_secret']
    assert own and own != secret
    assert requests.get(f'{func_url}/{name}/Guarded', timeout=10).status_code == 401
    assert requests.get(f'{func_url}/{name}/Guarded', params={'otp_code': '000000'}, timeout=10).status_code == 401
    r = requests.get(f'{func_url}/{name}/Guarded', params={'otp_code': pyotp.TOTP(secret).now()}, timeout=10)
    assert r.status_code == 401
    r = requests.get(f'{func_url}/{name}/Guarded', params={'otp_code': pyotp.TOTP(own).now()}, timeout=10)
    assert r.status_code == 200 and r.text == 'in\n'
    r = requests.get(f'{func_url}/{name}/Guarded', headers={'X-Otp-Code': pyotp.TOTP(own).now()}, timeout=10)
    assert r.status_code == 200

    other = _add(url, name, 'Own', 'print("own")', use_otp=True, disable_group_otp=True)['otp_secret']
    assert other and other not in (secret, own)
    assert requests.get(f'{func_url}/{name}/Own', params={'otp_code': pyotp.TOTP(own).now()},
                        timeout=10).status_code == 401
    r = requests.get(f'{func_url}/{name}/Own', params={'otp_code': pyotp.TOTP(other).now()}, timeout=10)
    assert r.status_code == 200 and r.text == 'own\n'
    again = _add(url, name, 'Own', 'print("own2")', use_otp=True, disable_group_otp=True)
    assert again['otp_secret'] is None  # shown once; the replace keeps it
    assert requests.get(f'{func_url}/{name}/Own', params={'otp_code': pyotp.TOTP(other).now()},
                        timeout=10).text == 'own2\n'


def test_list_remove_and_dump_import(service, group):
    url, func_url = service
    name, _ = group
    _add(url, name, 'A', 'print("a")', memo='first')
    own = _add(url, name, 'B', 'print("b")', use_otp=True, disable_group_otp=True)['otp_secret']
    listed = requests.get(f'{url}/v1/{name}/func/list', timeout=10).json()
    assert [f['name'] for f in listed] == ['A', 'B'] and listed[0]['memo'] == 'first'
    assert all(f['otp_secret'] is None for f in listed)
    assert requests.get(f'{url}/{name}/v1/group/info', timeout=10).json()['func_count'] == 2

    archive = requests.get(f'{url}/v1/{name}/dump', timeout=10).content
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        content = json.loads(tar.extractfile(f'{name}.json').read())
    assert [f['name'] for f in content['funcs']] == ['A', 'B'] and content['funcs'][1]['otp_secret'] == own

    r = requests.post(f'{url}/v1/remove/func', json={'group_name': name, 'name': 'A'}, timeout=10)
    assert r.status_code == 200 and r.json()['name'] == 'A'
    assert requests.delete(f'{url}/v1/{name}/func/delete/B', timeout=10).status_code == 200
    assert requests.delete(f'{url}/v1/{name}/func/delete/B', timeout=10).status_code == 404
    assert requests.get(f'{func_url}/{name}/A', timeout=10).status_code == 404

    r = requests.post(f'{url}/v1/import', data=archive, timeout=10)
    assert r.status_code == 200 and r.json()['funcs'] == 2, r.text
    assert requests.get(f'{func_url}/{name}/A', timeout=10).text == 'a\n'
    assert requests.get(f'{func_url}/{name}/B', params={'otp_code': pyotp.TOTP(own).now()}, timeout=10).text == 'b\n'

    content['funcs'].append({'name': 'C', 'lua_body': 'function ('})  # one bad func: nothing imported
    data = json.dumps(content).encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode='w:gz') as tar:
        info = tarfile.TarInfo(f'{name}.json')
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    requests.post(f'{url}/v1/remove/group', json={'group_name': name}, timeout=10)
    r = requests.post(f'{url}/v1/import', data=buffer.getvalue(), timeout=10)
    assert r.status_code == 400 and r.json()['code'] == 'BAD_LUA_BODY'
    assert name not in [g['group_name'] for g in requests.get(f'{url}/v1/group/list', timeout=10).json()]
