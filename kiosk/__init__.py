"""Open-source library self-service kiosk and RFID station."""

__version__ = "0.1.0"
