"""Widgets: the main window, the event list and the docks. Thin adapters over AtlasModel."""
