"""The touchscreen station: the facade the Kivy app talks to and the patron flows behind it."""
