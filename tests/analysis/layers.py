"""What each classic Nova operation must pass through, per release, read
from the real code: the REST handler, the compute API method, the RPC
message to nova_compute, the manager method, the libvirt driver call and
the database writes with their states."""

from __future__ import annotations

from tracer.wsd.model import Comment, Diagram, Message, walk

HANDLERS = "nova/api/openstack/compute/"


def spec(handler: str, api: str | None, rpc: str | None, driver: str | None, *db: str) -> dict:
    return {"handler": handler, "api": api, "rpc": rpc, "driver": driver, "db": db}


def same(s: dict) -> dict:
    return {"liberty": s, "15.1.5": s, "34.0.0": s}


CLASSIC = {
    "pause": same(spec("pause_server.py _pause", "pause", "pause_instance", "pause",
                       "task_state = PAUSING", "vm_state = PAUSED")),
    "unpause": same(spec("pause_server.py _unpause", "unpause", "unpause_instance", "unpause",
                         "task_state = UNPAUSING", "vm_state = ACTIVE")),
    "suspend": same(spec("suspend_server.py _suspend", "suspend", "suspend_instance", "suspend",
                         "task_state = SUSPENDING", "vm_state = SUSPENDED")),
    "resume": same(spec("suspend_server.py _resume", "resume", "resume_instance", "resume",
                        "task_state = RESUMING", "vm_state =")),
    "start": {
        "liberty": spec("servers.py _start_server", "start", "start_instance", "power on",
                        "task_state = POWERING_ON", "vm_state = ACTIVE"),
        "15.1.5": spec("servers.py _start_server", "start", "start_instance", "power on",
                       "task_state = POWERING_ON", "vm_state = ACTIVE"),
        "34.0.0": spec("servers.py _start", "start", "start_instance", "power on",
                       "task_state = POWERING_ON", "vm_state = ACTIVE"),
    },
    "stop": {
        "liberty": spec("servers.py _stop_server", "force_stop", "stop_instance", "power off",
                        "task_state = POWERING_OFF", "vm_state = STOPPED"),
        "15.1.5": spec("servers.py _stop_server", "force_stop", "stop_instance", "power off",
                       "task_state = POWERING_OFF", "vm_state = STOPPED"),
        "34.0.0": spec("servers.py _stop", "force_stop", "stop_instance", "power off",
                       "task_state = POWERING_OFF", "vm_state = STOPPED"),
    },
    "reboot": {
        "liberty": spec("servers.py _action_reboot", "reboot", "reboot_instance", "reboot",
                        "task_state = REBOOT_STARTED"),
        "15.1.5": spec("servers.py _action_reboot", "reboot", "reboot_instance", "reboot",
                       "task_state = REBOOTING", "task_state = REBOOT_STARTED"),
        "34.0.0": spec("servers.py _reboot", "reboot", "reboot_instance", "reboot",
                       "task_state = REBOOTING", "task_state = REBOOT_STARTED"),
    },
    "lock": same(spec("lock_server.py _lock", "lock", None, None, "locked = True")),
    "unlock": same(spec("lock_server.py _unlock", "unlock", None, None, "locked = False")),
    "rename": {
        "liberty": spec("servers.py update", None, None, None, "save instance"),
        "15.1.5": spec("servers.py update", "update_instance", None, None, "save instance"),
        "34.0.0": spec("servers.py update", "update_instance", None, None, "save instance"),
    },
}


def assert_layers(diagram: Diagram, want: dict) -> None:
    steps = list(walk(diagram.statements))
    anchors = [s.text for s in steps if isinstance(s, Comment)]
    messages = [s for s in steps if isinstance(s, Message)]
    shown = "\n".join(anchors + [f"{m.source}->{m.target}: {m.text}" for m in messages])
    assert HANDLERS + want["handler"] + "()" in anchors, shown
    if want["api"]:
        assert f"nova/compute/api.py {want['api']}()" in anchors, shown
    if want["rpc"]:
        assert any(m.source == "nova_api" and m.target == "nova_compute" and m.text == want["rpc"]
                   for m in messages), shown
        assert f"nova/compute/manager.py {want['rpc']}()" in anchors, shown
    else:
        assert not any(m.target == "nova_compute" for m in messages), shown
    if want["driver"]:
        assert any(m.source == "nova_compute" and m.target == "libvirt" and m.text == want["driver"]
                   for m in messages), shown
        assert any(a.startswith("nova/virt/libvirt/") for a in anchors), shown
    for text in want["db"]:
        assert any(m.target == "database" and text in m.text for m in messages), (text, shown)
