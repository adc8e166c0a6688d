"""Long work off the request (issue 17): the task queue, what the worker does, and the worker.

``queue`` opens Huey (Redis or the embedded SQLite file), ``tasks`` runs one job by its row,
``worker`` is ``vetting worker``. Below the HTTP faces: no Flask here.
"""
