"""SIP2 2.00 (3M Standard Interchange Protocol): typed messages, a sans-I/O
codec, a thread-safe client over an injected transport, and (in ``ils/``) an
ILS simulator for tests and the demo.

    from kiosk.sip2 import messages, codec
    from kiosk.sip2.client import SIP2Client, SIP2Settings
"""
