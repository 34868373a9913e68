"""A contact's detail page lists its QA evaluations, scoped like the evaluation pages: vendor
staff and agents see one only once it is submitted."""

import pytest

from steward.quality import services

pytestmark = pytest.mark.django_db
GOOD = {"greeting": ("yes", "nice"), "accuracy": ("5", ""), "privacy": ("yes", "")}


def test_the_contact_page_lists_the_evaluations_the_user_may_see(client, world, contacts, published_scorecard):
    analyst = world.user("qa_analyst")
    contact = contacts["QA-amy-3"]
    evaluation = services.evaluation_assign(actor=analyst, interaction=contact, analyst=analyst,
                                            scorecard=published_scorecard)
    link = f'href="{evaluation.get_absolute_url()}"'.encode()
    client.force_login(world.user("outsourcing_manager"))
    assert link in client.get(contact.get_absolute_url()).content
    client.force_login(world.user("a-agent1"))  # the contact's own agent: not the analyst's draft
    page = client.get(contact.get_absolute_url())
    assert page.status_code == 200 and link not in page.content
    services.evaluation_save(actor=analyst, evaluation=evaluation, answers=GOOD, submit=True)
    page = client.get(contact.get_absolute_url())
    assert link in page.content and b'<td class="num">100.00</td>' in page.content
