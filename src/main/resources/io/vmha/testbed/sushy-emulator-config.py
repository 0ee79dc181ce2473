# sushy-emulator's configuration for io.vmha.testbed.RedfishBmcs. Flask executes this file when
# the emulator starts and keeps its UPPER_CASE names as settings; RedfishBmcs writes the values
# of one run into bmcs.json next to it.
import json
import os

import requests
from sushy_tools.emulator.resources.systems import fakedriver

with open(os.path.join(os.path.dirname(__file__), 'bmcs.json')) as f:
    _run = json.load(f)

SUSHY_EMULATOR_LISTEN_IP = '127.0.0.1'
SUSHY_EMULATOR_LISTEN_PORT = _run['port']
SUSHY_EMULATOR_SSL_CERT = _run['certFile']
SUSHY_EMULATOR_SSL_KEY = _run['keyFile']
SUSHY_EMULATOR_AUTH_FILE = _run['authFile']
# the fake driver keeps its systems in SQLite, by default in /tmp/sushy-emulator shared by every
# run on the machine
SUSHY_EMULATOR_STATE_DIR = _run['stateDir']
SUSHY_EMULATOR_FAKE_DRIVER = True
SUSHY_EMULATOR_FAKE_SYSTEMS = [
    {'uuid': s['uuid'], 'name': s['name'], 'power_state': 'On', 'nics': []}
    for s in _run['systems']
]

_stuck = {s['uuid'] for s in _run['systems'] if s['stuck']}
_names = {s['uuid']: s['name'] for s in _run['systems']}
_set_power_state = fakedriver.FakeDriver.set_power_state
_hooks = requests.Session()
_hooks.trust_env = False  # the hook server is on 127.0.0.1: never through a proxy of the env


def _set_power_state_after_hook(self, identity, state):
    # The fake driver's own external_notifier fires only after it has stored the pending power
    # change, which a concurrent read may already apply, and it ignores a failed notification.
    # The power-off hook must have run before any read can say Off, and its failure must fail the
    # request: so it runs here, before the driver hears of the request.
    current = self.get_power_state(identity)  # also refuses unknown ids and names (redirects)
    uuid = self.uuid(identity)
    if state in ('ForceOff', 'GracefulShutdown') and uuid in _stuck:
        return  # a stuck BMC accepts the power-off and never carries it out
    if state == 'ForceOff' and current != 'Off':
        answer = _hooks.post(
            _run['hookUrl'], json={'uuid': uuid, 'name': _names.get(uuid)}, timeout=600)
        if answer.status_code >= 300:
            raise RuntimeError(f'power-off hook failed: {answer.text}')
    _set_power_state(self, identity, state)


fakedriver.FakeDriver.set_power_state = _set_power_state_after_hook


class _FixedDelay:
    # The fake driver draws each power request's delay from random.randint(1, 11): a run that
    # times a fence fixes it instead.
    def __init__(self, seconds):
        self._seconds = seconds

    def randint(self, low, high):
        return self._seconds


if _run.get('powerDelaySeconds') is not None:
    fakedriver.random = _FixedDelay(_run['powerDelaySeconds'])
