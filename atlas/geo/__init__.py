"""Geodesy and projection helpers shared by the map, the model and the exports."""
