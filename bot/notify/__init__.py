"""Notifications: the outbox's due rows rendered in each reader's language and sent once.

- `renderers`: how each kind reads (the table of kinds is bot/registries.py);
- `pacing`: LINE's rate limits and the monthly-limit pause;
- `dispatch`: claim due batches, render, send by push or multicast;
- `settle`: what a pass carries and the Settler that writes what came of each batch.
Rows are written by the domain (models/outbox.py) and read nowhere else.
"""
