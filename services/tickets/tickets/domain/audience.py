"""Who should hear about a fact: the other side of the actor, never the actor, never a muted reader.

- Customers: the reporter and participants, plus organisation members who opted in (``watcher_ids``,
  already narrowed to those who still see the ticket); only for public facts, never internal notes.
- Agents: when a customer acts, the assignee, else every agent; when an agent acts, the assignee.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True)
class Audience:
    customers: tuple[str, ...]
    agents: tuple[str, ...]

    def to_dict(self) -> dict:
        return {"customers": list(self.customers), "agents": list(self.agents)}


def audience(*, actor_id: str, actor_is_agent: bool, reporter_id: str, participant_ids: Iterable[str],
             assignee_id: str | None, agent_ids: Iterable[str], muted_ids: Iterable[str],
             public: bool = True, customers_too: bool = True, watcher_ids: Iterable[str] = ()) -> Audience:
    """The account ids to tell about one fact on a ticket."""
    excluded = {actor_id} | set(muted_ids)
    customers: set[str] = set()
    if public and customers_too:
        customers = ({reporter_id} | set(participant_ids) | set(watcher_ids)) - excluded
    if actor_is_agent:
        agents = {assignee_id} if assignee_id else set()
    else:
        agents = {assignee_id} if assignee_id else set(agent_ids)
    agents -= excluded
    # A customer who is also an agent hears about it once, as an agent.
    customers -= agents
    return Audience(tuple(sorted(customers)), tuple(sorted(agents)))
