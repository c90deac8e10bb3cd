"""Kursk Atlas: an offline desktop atlas of the 2024-25 Kursk incursion and counter-offensive."""

__version__ = "0.1.0"
APP_NAME = "Kursk Atlas"
ORG_NAME = "KurskAtlas"
