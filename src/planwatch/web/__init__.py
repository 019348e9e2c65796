"""The planwatch web service: Django project holding plans, progress and who may do what."""
