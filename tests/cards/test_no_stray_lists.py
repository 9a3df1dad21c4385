"""No card shows a value as a bulleted or numbered list by accident: a '-' standing for
'none', a name starting '1.', a comment starting '+' (issue 14)."""

import pytest

from tests.bot.harness import COMMONMARK, card_markup
from tests.cards.samples import SAMPLES
from tests.cards.test_every_card import BUILDERS


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.id)
def test_no_text_on_any_card_renders_as_a_list(sample):
    made = BUILDERS[sample.builder](*sample.args, **sample.kwargs)
    for markup in card_markup(made):
        rendered = COMMONMARK.render(markup)
        assert "<li>" not in rendered, (markup, rendered)
