#!/usr/bin/python3
# A host StatusNotifierWatcher for tests (freedesktop.org StatusNotifierItem
# specification, draft 0.1, org.kde.StatusNotifierWatcher): it records each
# registration together with a dump of the item's properties and its
# com.canonical.dbusmenu layout, re-dumps on NewTitle and LayoutUpdated, and
# records when an item's bus name goes away. One JSON line per event in argv[1].
# Tests act as the tray through org.vmsilo.Test: Click(s service, i id) sends
# the menu a "clicked" Event; Activate(s service) calls Activate(7, 8).
import sys

import dbus
import dbus.service
from gi.repository import GLib

from buspeer import Recording, serve

W = "org.kde.StatusNotifierWatcher"


def layout(n):
    nid, props, children = n
    entry = {"id": int(nid)}
    for k, v in props.items():
        entry[str(k)] = bool(v) if isinstance(v, dbus.Boolean) else (int(v) if isinstance(v, dbus.Int32) else str(v))
    entry["children"] = [layout(c) for c in children]
    return entry


class Watcher(Recording, dbus.service.Object):
    def __init__(self, bus, out):
        super().__init__(bus, "/StatusNotifierWatcher")
        self.bus = bus
        self.out = out
        self.items = []
        bus.add_signal_receiver(self.owner_changed, "NameOwnerChanged", "org.freedesktop.DBus")
        bus.add_signal_receiver(self.changed, "NewTitle", "org.kde.StatusNotifierItem", sender_keyword="sender")
        bus.add_signal_receiver(self.changed, "LayoutUpdated", "com.canonical.dbusmenu", sender_keyword="sender")

    def dump(self, event, service):
        obj = self.bus.get_object(service, "/StatusNotifierItem")
        props = obj.GetAll("org.kde.StatusNotifierItem", dbus_interface="org.freedesktop.DBus.Properties")
        menu = self.bus.get_object(service, str(props["Menu"]))
        rev, root = menu.GetLayout(0, -1, dbus.Array([], signature="s"), dbus_interface="com.canonical.dbusmenu")
        pix = props["IconPixmap"]
        self.record({"event": event, "service": service, "title": str(props["Title"]),
                     "id": str(props["Id"]), "status": str(props["Status"]),
                     "tooltip": str(props["ToolTip"][2]),
                     "icons": [{"w": int(p[0]), "h": int(p[1]), "corner": bytes(p[2][0:4]).hex(),
                                "center": bytes(p[2][(8 * int(p[0]) + 8) * 4:(8 * int(p[0]) + 8) * 4 + 4]).hex()}
                               for p in pix],
                     "revision": int(rev), "layout": layout(root)})
        return False

    def changed(self, *args, sender=None):
        if sender in self.items:
            GLib.idle_add(self.dump, "updated", sender)

    def owner_changed(self, name, old, new):
        if name in self.items and not new:
            self.items.remove(name)
            self.record({"event": "unregistered", "service": str(name)})

    @dbus.service.method(W, in_signature="s", out_signature="", sender_keyword="sender")
    def RegisterStatusNotifierItem(self, service, sender=None):
        service = str(service)
        if service.startswith("/"):
            service = sender
        self.items.append(service)
        GLib.idle_add(self.dump, "registered", service)

    @dbus.service.method(W, in_signature="s", out_signature="")
    def RegisterStatusNotifierHost(self, service):
        pass

    @dbus.service.method("org.vmsilo.Test", in_signature="si", out_signature="")
    def Click(self, service, nid):
        menu = self.bus.get_object(service, "/MenuBar")
        menu.Event(nid, "clicked", dbus.Int32(0, variant_level=1), dbus.UInt32(0),
                   dbus_interface="com.canonical.dbusmenu")

    @dbus.service.method("org.vmsilo.Test", in_signature="s", out_signature="")
    def Activate(self, service):
        obj = self.bus.get_object(service, "/StatusNotifierItem")
        obj.Activate(7, 8, dbus_interface="org.kde.StatusNotifierItem")


def main():
    serve(W, sys.argv[1], lambda bus: Watcher(bus, sys.argv[1]))


if __name__ == "__main__":
    main()
