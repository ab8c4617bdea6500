"""The figures of a run, printed; and whether the run measured anything at all."""

from __future__ import annotations

import math

from .plan import Plan

TARGETS = {
    "ack_p99_ms_at_200": 20.0,
    "ack_round_trips_per_event": 1,
    "turn_round_trips": 2,
}


def broken(res: dict) -> list[str]:
    """What shows the bench itself broken, not the bot slow: a phase that measured nothing,
    or a step the bot answered with an error. Figures, however poor, are never on the list."""
    found = []
    for a in res.get("ack", {}).get("closed_loop", []):
        if not a["events"]:
            found.append(f"ack path: no event acknowledged with {a['senders']} senders")
    if "ack" in res and not res["ack"]["monitor"]["ok"]:
        found.append("ack path: no event acknowledged under MONITOR")
    found += [f"per step: {e}" for e in res["per_step"]["errors"]]
    if not res["per_step"]["steps"]:
        found.append("per step: no step measured")
    for row in (res["e2e"], res.get("e2e_what_if"), res.get("echo")):
        if row is not None and not row["turns_in_window"]:
            found.append(f"end to end ({row['label']}): no turn finished in the window")
    return found


def report(res: dict, plan: Plan) -> None:
    def ok(flag: bool) -> str:
        return "ok  " if flag else "MISS"

    print()
    print(f"machibot webhook bench ({'quick' if res['quick'] else 'default'} run, "
          f"{res['cpus']} CPUs, {res['wall_s']} s)")
    print(f"machine busy before start: {res.get('machine_busy_pct_before', 0):.0f}% "
          "(other work on the machine lowers every figure)")
    print("wall time by phase: " + ", ".join(f"{k.replace('_', ' ')} {v:.0f} s"
                                             for k, v in res.get("phase_s", {}).items()))
    print(f"web: {res['settings']['web']}; workers: {res['settings']['workers']}; simulator: "
          f"{res['settings']['simulator']}, {res['settings']['simulator_latency_ms']:.0f} ms per "
          f"API answer end to end")
    if "ack" in res:
        print("\nACK PATH  POST /callback, 1 event per request, closed loop")
        print(f"  {'senders':>7} {'events/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'web CPU':>8} "
              f"{'web µs/ev':>9} {'gen CPU':>8} {'gen µs/ev':>9} {'not ours':>8} {'errors':>6}")
        for a in res["ack"]["closed_loop"]:
            print(f"  {a['senders']:>7} {a['events_per_s']:>9.0f} {a['p50_ms']:>7.2f} "
                  f"{a['p99_ms']:>7.2f} {a['web_cpu_pct_of_2_cores']:>7.0f}% "
                  f"{a['web_cpu_us_per_event']:>9.0f} {a['gen_cpu_pct_of_core']:>7.0f}% "
                  f"{a['gen_cpu_us_per_event']:>9.0f} {a['not_ours_pct_of_2_cores']:>7.0f}% "
                  f"{a['errors']:>6}")
        print("  (web CPU and 'not ours' = other processes on the machine, in % of both cores;"
              " gen = the load generator, in % of one core)")
        f = res["ack"]["fixed_rate"]
        target = res["targets"]["ack_p99_ms_at_200"]
        print(f"  fixed {f['offered_per_s']:.0f} events/s for {f['duration_s']:.0f} s "
              f"({f['events']} events, latency from the scheduled send time): "
              f"p50 {f['p50_ms']:.2f}  p90 {f['p90_ms']:.2f}  p99 {f['p99_ms']:.2f}  "
              f"max {f['max_ms']:.1f} ms")
        print(f"    [{ok(f['p99_ms'] <= target)}] p99 {f['p99_ms']:.2f} ms   "
              f"target ≤ {target:.0f} ms; late sends {f['late_sends']}, errors {f['errors']}, "
              f"generator "
              f"{f['gen_cpu_pct_of_core']:.0f}% of a core, web {f['web_cpu_pct_of_2_cores']:.0f}%")
        m = res["ack"]["monitor"]
        last = res["ack"]["closed_loop"][-1]
        per_event = last["redis_commands_per_event"]
        cmds = ", ".join(f"{k.upper()} {v:.2f}" for k, v in per_event.items())
        print(f"  Redis per event (MONITOR, {m['ok']} requests): round trips "
              f"{m['round_trips_per_event']:.2f} {m['client_commands']}, commands "
              f"{m['commands_per_event']:.2f} (in scripts: {m['script_commands']})")
        print(f"    [{ok(m['round_trips_per_event'] <= 1.0)}] round trips/event "
              f"{m['round_trips_per_event']:.2f}   target 1 (DESIGN.md)")
        print(f"  Redis per event (INFO commandstats, {last['senders']} senders): {cmds}; "
              f"total_commands_processed {last['redis_total_commands_processed_per_event']:.2f}; "
              f"Redis CPU {last['redis_cpu_us_per_event']:.0f} µs/event")

    print("\nPER STEP  one worker in-process (Worker.drain), simulator without latency"
          + ("; CPU ms include cProfile's overhead" if plan.profile else ""))
    print(f"  {'step':<14} {'Redis RT':>8} {'RT+poll':>7} {'SQL':>5} {'SQL verbs':<32} "
          f"{'LINE calls':<24} {'CPU ms':>6}")
    for kind, s in res["per_step"]["steps"].items():
        n = s["samples"]
        verbs = " ".join(f"{k}:{v / n:.1f}" for k, v in sorted(s["sql_by_verb"].items()))
        calls = " ".join(f"{k}:{v / n:.0f}" for k, v in sorted(s["line_calls"].items()))
        print(f"  {kind:<14} {s['redis_round_trips']:>8.1f} "
              f"{s['redis_round_trips_incl_poll']:>7.1f} {s['sql_statements']:>5.1f} "
              f"{verbs:<32} {calls:<24} {s['worker_cpu_ms']:>6.1f}")
    turn_rt = max((s["redis_round_trips"] for s in res["per_step"]["steps"].values()),
                  default=math.nan)
    print(f"    [{ok(turn_rt <= res['targets']['turn_round_trips'])}] Redis round trips per turn "
          f"(max over steps) {turn_rt:.0f}   target 2 (handlers/events.py)")
    if res["per_step"]["errors"]:
        print(f"  errors: {res['per_step']['errors'][:5]}")
    if res["per_step"].get("profile_cpu_by_package"):
        print("  worker CPU per turn by package (cProfile, thread CPU time, self time):")
        print("    " + ", ".join(f"{k} {v['ms_per_turn']:.2f} ms ({100 * v['share']:.0f}%)"
                                 for k, v in res["per_step"]["profile_cpu_by_package"].items()
                                 if v["share"] >= 0.01))

    e = res["e2e"]
    print(f"\nEND TO END  webhook -> worker -> reply recorded by the simulator; {e['users']} "
          f"users (follow, agree, mode, then menu taps), closed loop")
    rows = [e] + [res[k] for k in ("e2e_what_if", "echo") if k in res]
    print(f"  {'bot':<9} {'events/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'turns':>6} {'lost':>5} "
          f"{'machine':>7} {'not ours':>8} {'driver':>6}  CPU ms per turn (share of 2 cores)")
    for row in rows:
        cpu = ", ".join(f"{k} {row['cpu_ms_per_turn'][k]:.2f} ({v:.0f}%)"
                        for k, v in row["cpu_pct_of_2_cores"].items())
        print(f"  {row['label']:<9} {row['events_per_s']:>8.1f} {row['e2e_p50_ms']:>7.0f} "
              f"{row['e2e_p99_ms']:>7.0f} {row['turns_in_window']:>6} {row['lost_turns']:>5} "
              f"{row['machine_busy_pct']:>6.0f}% {row['not_ours_pct_of_2_cores']:>7.0f}% "
              f"{row['driver_cpu_pct_of_core']:>5.0f}%  {cpu}")
    print("  (machine = all CPUs busy; driver = the simulated users, % of one core; e2e latency "
          "= send to reply seen, includes queueing of the closed loop)")
    print("  connections per web worker: " + ", ".join(
        f"{row['label']} {row['connections_per_web_worker']}" for row in rows))
    print(f"  machibot turns in window by kind: {e['turns_by_kind']}; stream after: "
          f"{e.get('stream_after')}; worker log errors: {e['worker_log_errors']}")
    if "ratio_e2e_ours_over_echo" in res:
        ratio = res["ratio_e2e_ours_over_echo"]
        print(f"    [{ok(ratio >= 1.5)}] ours/echo end-to-end events/s = {ratio:.2f}   "
              f"floor ≥ 1.5")
    if "events_per_bot_cpu_second" in res:
        c = res["events_per_bot_cpu_second"]
        print(f"    [{ok(c['ratio'] >= 1.0)}] events per CPU-second of the bot's own processes "
              f"(independent of other load on the machine): machibot "
              f"{c['machibot (web + workers)']:.0f}, echo {c['echo (web)']:.0f}, "
              f"ratio {c['ratio']:.2f}   floor ≥ 1")
    if len(res.get("rounds", [])) > 1:
        print(f"    {len(res['rounds'])} rounds, machibot then echo in turn; the figures above "
              f"are the median round's. CPU ratio by round: "
              f"{', '.join(f'{x:.2f}' for x in res['rounds'])}; end-to-end ratio by round: "
              f"{', '.join(f'{x:.2f}' for x in res['rounds_e2e'])}")
    if "e2e_what_if" in res and "echo" in res:
        w = res["e2e_what_if"]
        print(f"    what-if: workers with XREADGROUP COUNT {w['worker_batch']} (patched in the "
              f"bench's launcher, bot code unchanged): {w['events_per_s']:.1f} events/s, "
              f"{w['events_per_s'] / max(res['echo']['events_per_s'], 1e-9):.2f} x echo")
    rss = res["rss"]
    print("\nPEAK RSS (VmHWM)")
    print(f"  web (gunicorn master + {len(rss['web_mb']) - 1} workers): "
          f"{sum(rss['web_mb']):.0f} MB = {' + '.join(f'{x:.0f}' for x in rss['web_mb'])}")
    if "web_peak_by_phase_mb" in rss:
        by = rss["web_peak_by_phase_mb"]
        print("  web peak after start / ack phase / end to end: "
              + " / ".join(f"{by[k]:.0f}" for k in ("after_start", "after_ack", "after_e2e")
                           if k in by) + " MB")
    print(f"  workers: {' + '.join(f'{x:.0f}' for x in rss['workers_mb'])} = "
          f"{sum(rss['workers_mb']):.0f} MB")
    if "echo_web_mb" in rss:
        print(f"  echo web: {sum(rss['echo_web_mb']):.0f} MB; simulator: "
              f"{sum(rss['simulator_mb']):.0f} MB")
    print("\nLOAD GENERATOR  raw-socket keep-alive HTTP/1.1 clients in forked processes; its CPU"
          " is shown beside each row. On 2 cores it shares the CPU with the servers, so the "
          "closed-loop events/s are a floor, not the web's ceiling.")

