#!/usr/bin/python3
# A guest tray application for tests: one StatusNotifierItem (freedesktop.org
# StatusNotifierItem specification, draft 0.1; org.kde.StatusNotifierItem at
# /StatusNotifierItem) with a com.canonical.dbusmenu menu at /MenuBar, registered
# with the bus's org.kde.StatusNotifierWatcher. Calls it receives (Activate,
# menu Event...) are appended as JSON lines to argv[1]. Tests drive it through
# org.vmsilo.Test: SetTitle(s) (emits NewTitle), Quit(). Bus set-up: buspeer.py.
import os
import sys

import dbus
import dbus.service
from gi.repository import GLib

from buspeer import Recording, serve

SNI = "org.kde.StatusNotifierItem"
MENU = "com.canonical.dbusmenu"
PROPS = "org.freedesktop.DBus.Properties"


def node(nid, props, children=()):
    return dbus.Struct((dbus.Int32(nid), dbus.Dictionary(props, signature="sv"),
                        dbus.Array([dbus.Struct(c, signature=None) for c in children], signature="v")),
                       signature=None)


class Item(Recording, dbus.service.Object):
    def __init__(self, bus, out):
        super().__init__(bus, "/StatusNotifierItem")
        self.out = out
        self.title = "Guest App\u202e"  # a bidi override the host must strip

    def props(self):
        pixel = bytes([0x80, 0x10, 0x20, 0x30])
        return {
            "Category": dbus.String("ApplicationStatus"), "Id": dbus.String("guest-app"),
            "Title": dbus.String(self.title), "Status": dbus.String("Active"),
            "WindowId": dbus.Int32(0), "IconName": dbus.String("network-wireless"),
            "IconPixmap": dbus.Array([dbus.Struct((dbus.Int32(16), dbus.Int32(16),
                                                   dbus.ByteArray(pixel * 256)))], signature="(iiay)"),
            "ToolTip": dbus.Struct((dbus.String(""), dbus.Array([], signature="(iiay)"),
                                    dbus.String("Tip"), dbus.String("Tip body")), signature="sa(iiay)ss"),
            "ItemIsMenu": dbus.Boolean(False), "Menu": dbus.ObjectPath("/MenuBar"),
        }

    @dbus.service.method(PROPS, in_signature="ss", out_signature="v")
    def Get(self, iface, name):
        return self.props()[name]

    @dbus.service.method(PROPS, in_signature="s", out_signature="a{sv}")
    def GetAll(self, iface):
        return self.props()

    @dbus.service.method(SNI, in_signature="ii", out_signature="")
    def Activate(self, x, y):
        self.record({"call": "Activate", "x": int(x), "y": int(y)})

    @dbus.service.method(SNI, in_signature="ii", out_signature="")
    def SecondaryActivate(self, x, y):
        self.record({"call": "SecondaryActivate"})

    @dbus.service.method(SNI, in_signature="ii", out_signature="")
    def ContextMenu(self, x, y):
        self.record({"call": "ContextMenu"})

    @dbus.service.method(SNI, in_signature="is", out_signature="")
    def Scroll(self, delta, orientation):
        self.record({"call": "Scroll", "delta": int(delta), "orientation": str(orientation)})

    @dbus.service.signal(SNI, signature="")
    def NewTitle(self):
        pass

    @dbus.service.method("org.vmsilo.Test", in_signature="s", out_signature="")
    def SetTitle(self, title):
        self.title = str(title)
        self.NewTitle()

    @dbus.service.method("org.vmsilo.Test", in_signature="", out_signature="")
    def Quit(self):
        GLib.idle_add(lambda: sys.exit(0))


class Menu(dbus.service.Object):
    def __init__(self, bus, item):
        super().__init__(bus, "/MenuBar")
        self.item = item

    @dbus.service.method(MENU, in_signature="iias", out_signature="u(ia{sv}av)")
    def GetLayout(self, parent, depth, names):
        deep = node(4, {"label": "Deep"})
        layout = node(0, {"children-display": "submenu"}, [
            node(1, {"label": "_Open", "enabled": True}),
            node(2, {"type": "separator"}),
            node(3, {"label": "More", "children-display": "submenu"}, [deep]),
            node(5, {"label": "Check", "toggle-type": "checkmark", "toggle-state": dbus.Int32(1)}),
        ])
        return (dbus.UInt32(1), layout)

    @dbus.service.method(MENU, in_signature="isvu", out_signature="")
    def Event(self, nid, event, data, ts):
        self.item.record({"call": "Event", "id": int(nid), "event": str(event)})

    @dbus.service.method(MENU, in_signature="i", out_signature="b")
    def AboutToShow(self, nid):
        self.item.record({"call": "AboutToShow", "id": int(nid)})
        return False


def main():
    name = "org.kde.StatusNotifierItem-%d-1" % os.getpid()

    def setup(bus):
        item = Item(bus, sys.argv[1])
        menu = Menu(bus, item)
        watcher = bus.get_object("org.kde.StatusNotifierWatcher", "/StatusNotifierWatcher")
        watcher.RegisterStatusNotifierItem(name, dbus_interface="org.kde.StatusNotifierWatcher")
        return item, menu

    serve(name, sys.argv[1], setup, queue=True)


if __name__ == "__main__":
    main()
