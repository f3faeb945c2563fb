#!/usr/bin/python3
# A recording notification server for tests, following the Desktop
# Notifications Specification 1.2 (org.freedesktop.Notifications): it owns the
# name on the session bus, appends every Notify and CloseNotification call as
# one JSON line to the file given as argv[1], and answers like a real server.
# Tests drive the server's side of the protocol through org.vmsilo.Test:
#   EmitClosed(u id, u reason), EmitAction(u id, s key)
import sys

import dbus
import dbus.service

from buspeer import Recording, serve

IFACE = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"


def plain(v):
    if isinstance(v, dbus.Struct):
        # image-data: (iiibiiay) -> summary fields plus the first and a middle pixel
        f = list(v)
        data = bytes(f[6])
        w, h, stride = int(f[0]), int(f[1]), int(f[2])
        mid = (h // 2) * stride + (w // 2) * int(f[5])
        return {"width": w, "height": h, "rowstride": stride, "has_alpha": bool(f[3]),
                "bits": int(f[4]), "channels": int(f[5]), "len": len(data),
                "corner": data[0:4].hex(), "center": data[mid:mid + 4].hex()}
    if isinstance(v, (dbus.Byte, dbus.Int32, dbus.UInt32)):
        return int(v)
    if isinstance(v, dbus.Boolean):
        return bool(v)
    return str(v)


class Server(Recording, dbus.service.Object):
    def __init__(self, bus, out):
        super().__init__(bus, PATH)
        self.out = out
        self.next_id = 100

    @dbus.service.method(IFACE, in_signature="susssasa{sv}i", out_signature="u")
    def Notify(self, app, replaces, icon, summary, body, actions, hints, timeout):
        nid = int(replaces) if replaces else self.next_id
        if not replaces:
            self.next_id += 1
        self.record({"call": "Notify", "id": nid, "app_name": str(app), "replaces_id": int(replaces),
                     "app_icon": str(icon), "summary": str(summary), "body": str(body),
                     "actions": [str(a) for a in actions],
                     "hints": {str(k): plain(v) for k, v in hints.items()},
                     "expire_timeout": int(timeout)})
        return nid

    @dbus.service.method(IFACE, in_signature="u", out_signature="")
    def CloseNotification(self, nid):
        self.record({"call": "CloseNotification", "id": int(nid)})
        self.NotificationClosed(nid, 3)

    @dbus.service.method(IFACE, in_signature="", out_signature="as")
    def GetCapabilities(self):
        return ["actions", "body", "body-markup", "body-hyperlinks", "icon-static"]

    @dbus.service.method(IFACE, in_signature="", out_signature="ssss")
    def GetServerInformation(self):
        return ["notify-recorder", "vmsilo-tests", "1", "1.2"]

    @dbus.service.signal(IFACE, signature="uu")
    def NotificationClosed(self, nid, reason):
        pass

    @dbus.service.signal(IFACE, signature="us")
    def ActionInvoked(self, nid, key):
        pass

    @dbus.service.method("org.vmsilo.Test", in_signature="uu", out_signature="")
    def EmitClosed(self, nid, reason):
        self.NotificationClosed(nid, reason)

    @dbus.service.method("org.vmsilo.Test", in_signature="us", out_signature="")
    def EmitAction(self, nid, key):
        self.ActionInvoked(nid, key)


def main():
    serve(IFACE, sys.argv[1], lambda bus: Server(bus, sys.argv[1]))


if __name__ == "__main__":
    main()
