import os

# albumentations checks for updates over the network on import unless told not to.
os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")
