"""SIP2 2.00 (3M Standard Interchange Protocol): typed messages, a sans-I/O
codec, a thread-safe client over an injected transport, and (in ``ils/``) an
ILS simulator for tests and the demo.

Start from :mod:`kiosk.sip2.messages` (one frozen dataclass per message),
:mod:`kiosk.sip2.codec` (bytes <-> messages) and
:class:`kiosk.sip2.client.SIP2Client` with its :class:`~kiosk.sip2.client.SIP2Settings`.
"""
