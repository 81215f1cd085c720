"""SIP2 2.00 (3M Standard Interchange Protocol): typed messages, a sans-I/O
codec, a thread-safe client over an injected transport, and (in ``ils/``) an
ILS simulator for tests and the demo.

Start from :mod:`kiosk.sip2.messages` (one frozen dataclass per message),
:mod:`kiosk.sip2.codec` (bytes <-> messages) and
:class:`kiosk.sip2.client.SIP2Client` with its :class:`~kiosk.sip2.client.SIP2Settings`.
The rest of the kiosk depends on :class:`kiosk.sip2.api.ILSClient`, the calls
it uses, not on the client itself.

The client's parts: ``settings`` (what it needs), ``wire`` (one framed
exchange with resends), ``client`` (the link: login, states, supervisor),
``calls`` (one typed method per request).
"""
