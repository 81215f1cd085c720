"""What the touchscreen station and the return bin both build: the core
services around the RFID reader, the devices from config and the ILS link."""
