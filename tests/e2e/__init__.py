"""Browser tests (headless Chromium against a real `oversight serve`)."""
