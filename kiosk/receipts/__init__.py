"""Receipts: the model (``model``), a session's receipt (``session``), the
ESC/POS rendering (``printing``), e-mail (``mail``) and the desk that delivers
and stores them (``desk``)."""
