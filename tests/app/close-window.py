#!/usr/bin/python3
"""Asks an X11 window to close the way a window manager's close button does
(WM_DELETE_WINDOW), for testing the app under a bare Xvfb with no WM.
Usage: close-window.py TITLE   (needs python3-xlib; DISPLAY set)"""
import sys
from Xlib import X, display, protocol

title = sys.argv[1]
d = display.Display()
root = d.screen().root
protocols = d.intern_atom("WM_PROTOCOLS")
delete = d.intern_atom("WM_DELETE_WINDOW")


def walk(w):
    try:
        name = w.get_wm_name()
    except Exception:
        name = None
    if name == title:
        yield w
    for c in w.query_tree().children:
        yield from walk(c)


found = list(walk(root))
for w in found:
    ev = protocol.event.ClientMessage(window=w, client_type=protocols, data=(32, [delete, X.CurrentTime, 0, 0, 0]))
    w.send_event(ev, event_mask=X.NoEventMask)
d.flush()
print(f"asked {len(found)} window(s) titled {title!r} to close")
sys.exit(0 if found else 1)
