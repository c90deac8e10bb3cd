"""Rendering shared by the screen canvas and every export: layers, scene, viewport, composition."""
