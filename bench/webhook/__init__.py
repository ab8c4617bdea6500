"""Webhook, worker and end-to-end benchmark of machibot against the LINE simulator.

    .venv/bin/python -m bench.webhook --quick     # every phase with small counts, < 1 minute
    .venv/bin/python -m bench.webhook             # about 5 minutes
    .venv/bin/python -m bench.webhook --redis-url redis://127.0.0.1:6379/14 \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

What it starts (stack.py; all on 127.0.0.1, all stopped on exit, also on Ctrl-C):
- a private `redis-server` (unless --redis-url) and a temporary SQLite database (unless
  --database-url), migrated with `machibot db upgrade`;
- the LINE simulator under uvicorn (bench/sim_host.py: the bot's app in simulator mode, its
  send endpoints answered on the event loop; needs the bench extra); the bot and the echo
  baseline reach it through LINE_API_BASE_URL;
- the bot's web under gunicorn (`-w 2 -k gthread --threads 8` by default);
- `machibot worker --threads N` processes for the end-to-end run;
- bench/echo_bot.py under the same gunicorn settings, for the baseline.

Phases:
1. ack path (ack.py): closed-loop senders (1 event per request) for several concurrencies,
   then an open-loop run at a fixed offered load (200 events/s); latency is measured from the
   scheduled send time, so a stalled server cannot hide its queueing (no coordinated
   omission). Redis commands per event come from INFO commandstats deltas; round trips per
   event from MONITOR (commands a client sent, as opposed to those a Lua script ran).
2. per step (steps.py): one worker in this process (`Worker.drain()`) handles each dialog
   step of a few users; Redis round trips are counted where redis-py writes to its socket,
   SQL statements with a `before_cursor_execute` listener, LINE API calls from the
   simulator's request log.
3. end to end (e2e.py, driver.py): a population of simulated users who follow, agree to the
   privacy notice, choose a mode and then tap menu buttons, each waiting for the bot's reply
   (seen in the simulator's inbox) before the next tap; the simulator delays every API answer
   by 50 ms. The users are driven from one thread (a selector) over 32 keep-alive
   connections, spread evenly over the bot's gunicorn workers, and see replies through Redis
   keyspace notifications, so that the driver takes little CPU from the bot under test.
4. the same end-to-end run against bench/echo_bot.py. Phases 3 and 4 alternate for --rounds
   rounds (5; 1 with --quick) and the report gives the median round: the machine's speed
   drifts by several per cent over minutes, and alternating short rounds lets that drift
   move both bots alike instead of favouring whichever ran second. Then the peak memory of
   every server.

The bench drives the bot as LINE and its users would: signed webhooks over HTTP, replies read
from the simulator. Key names come from the project (bot/keys.py, the simulator's store).

With --redis-url every key under the project's prefix in that database is deleted (before,
between phases and after); with --database-url the schema is migrated and bench users are
added. The run prints its figures (report.py) and writes them as JSON under bench/out/; it
exits 1 only when a phase measured nothing or the bot answered a step with an error, never
because of a figure.
"""
