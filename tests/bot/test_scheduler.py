import time

from bot.scheduler import LEASE_KEY, Scheduler


def test_only_one_scheduler_leads_and_another_takes_over_when_it_stops(app, redis_client):
    app.config["SCHEDULER_LEASE_SECONDS"] = 1
    first, second = Scheduler(app), Scheduler(app)
    assert first.renew_lease() is True
    assert second.renew_lease() is False
    # the leader keeps its lease by renewing it
    assert first.renew_lease() is True
    assert second.renew_lease() is False
    # the leader dies without a word: the lease runs out and the other copy takes over
    time.sleep(1.1)
    assert second.renew_lease() is True
    assert first.renew_lease() is False
    assert redis_client.get(LEASE_KEY) == second.identity
    app.config["SCHEDULER_LEASE_SECONDS"] = 30


def test_jobs_run_only_on_the_leader(app):
    from bot.scheduler import Job

    runs = []
    job = Job("probe", 60, lambda _app: runs.append(1))
    leader, follower = Scheduler(app), Scheduler(app)
    leader.renew_lease()
    follower.renew_lease()
    leader._guarded(job)()
    follower._guarded(job)()
    assert runs == [1]
