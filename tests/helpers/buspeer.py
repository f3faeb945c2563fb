# Shared set-up of the python D-Bus test peers (notify-recorder.py,
# sni-watcher.py, sni-item.py): each owns a name on the session bus named by
# DBUS_SESSION_BUS_ADDRESS, records what it sees as one JSON line per event in
# a file, and signals that it is ready by creating "<file>.ready".
import json

import dbus
import dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib


class Recording:
    """Appends one JSON object per line to self.out."""

    def record(self, entry):
        with open(self.out, "a") as f:
            f.write(json.dumps(entry) + "\n")


def serve(name, out, setup, queue=False):
    """Connects to the session bus, owns `name` (failing if it is taken, unless
    queue), calls setup(bus) to export the peer's objects, announces readiness
    next to `out` and runs the main loop until the process is stopped."""
    DBusGMainLoop(set_as_default=True)
    bus = dbus.SessionBus()
    bus_name = dbus.service.BusName(name, bus, do_not_queue=not queue)
    objects = setup(bus)
    open(out + ".ready", "w").close()
    try:
        GLib.MainLoop().run()
    finally:
        del objects, bus_name
