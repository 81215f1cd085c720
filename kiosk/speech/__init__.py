"""Speech output and keypad operation for patrons who cannot see the screen
(EN 301 549 clause 5.1, "closed functionality").

* :mod:`kiosk.speech.engine`: eSpeak NG through ctypes, text -> WAV, voices per language;
* :mod:`kiosk.speech.output`: where the sound goes (aplay / a player pipe / sim recorder);
* :mod:`kiosk.speech.speaker`: :class:`Speaker`, the worker thread that says things;
* :mod:`kiosk.speech.focus`: the focus order of each patron screen and what each key does;
* :mod:`kiosk.speech.script`: what is said for each screen and each change;
* :mod:`kiosk.speech.settings`: the ``[accessibility]`` settings and the speaker they build.

Nothing here imports Kivy: :mod:`kiosk.screens.accessibility` carries it out in
the app (keys from the keypad, the focus ring, announcements as screens appear).
Importing this package does not load the speech library.
"""
