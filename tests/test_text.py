"""Sentence spans and search tokens: the units answers are cut from and the terms BM25 matches."""

from assistant.text import (MAX_CODE_UNIT_WORDS, code_identifiers, holds_identifier, introduced, list_groups,
                            raw_tokens, search_tokens, sentence_spans)


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


def test_abbreviations_decimals_and_list_numbers_do_not_split():
    text = ("The U.S. Department of Commerce said so, e.g. in 2023. Growth was 8.89% in 2023. "
            "1. **Digitalisation:** Improving things. J. Smith agreed.")
    assert sentences(text) == [
        "The U.S. Department of Commerce said so, e.g. in 2023.",
        "Growth was 8.89% in 2023.",
        "1. **Digitalisation:** Improving things.",
        "J. Smith agreed.",
    ]


def test_a_blank_line_ends_a_sentence_unless_the_text_continues_in_lower_case():
    text = "A heading without a stop\n\nlow trust in\n\nfinancial institutions remain. Next one!\n- item one\n- item two"
    assert sentences(text) == ["A heading without a stop\n\nlow trust in\n\nfinancial institutions remain.",
                               "Next one!", "- item one", "- item two"]


def test_in_markdown_a_blank_line_after_a_sentence_starts_a_paragraph_even_in_lower_case():
    # A README's paragraphs open with its lower-case name; a sentence broken by a blank line still goes on.
    text = "Acme is fast.\n\nacme does not depend on numpy.\n\nIt has low trust in\n\nfinancial institutions."
    spans = sentence_spans(text, markdown=True)
    assert [text[s:e] for s, e in spans] == ["Acme is fast.", "acme does not depend on numpy.",
                                             "It has low trust in\n\nfinancial institutions."]
    assert sentences(text)[0] == "Acme is fast.\n\nacme does not depend on numpy."  # text from pages: one


def test_lettered_and_roman_list_items_start_sentences_of_their_own():
    # Legal texts and government reports number their lists so; a sentence ran over the whole list before
    # (found on a licence text, docs/answering.md, section 1).
    text = ("You may convey the work in one of these ways:\n    a) with the source,\n    b) with a written offer,"
            "\n  valid for three years,\n(c) on a server; or\n(iv) by hand.\nii. Then this.\nIV. And this.\n"
            "I. Smith and\nthe harbour board (Harbourtown) agreed.")
    assert sentences(text) == [
        "You may convey the work in one of these ways:",
        "a) with the source,",
        "b) with a written offer,\n  valid for three years,",
        "(c) on a server; or",
        "(iv) by hand.",
        "ii. Then this.",
        "IV. And this.",
        "I. Smith and\nthe harbour board (Harbourtown) agreed.",  # one initial and a period: no list number
    ]


def test_a_lead_in_knows_the_items_of_its_list():
    text = ("Two kinds of berth:\n\n- **Deep** berths for ships over 80 metres. They are booked ahead.\n"
            "- **Short** berths, which hold:\n  * ferries\n  * tugs\n\nFees are set in April.\n\n"
            "The board met twice:\n\nIn May it met.")
    units = sentence_spans(text)
    said = [text[s:e] for s, e in units]
    lists = {said[j]: [[said[k] for k in item] for item in items] for j, items in list_groups(text, units).items()}
    # An item keeps its own further sentences and the deeper list it opens; a paragraph that opens no item ends
    # the list, and a colon before a plain paragraph introduces none.
    assert lists == {
        "Two kinds of berth:": [["- **Deep** berths for ships over 80 metres.", "They are booked ahead."],
                                ["- **Short** berths, which hold:", "* ferries", "* tugs"]],
        "- **Short** berths, which hold:": [["* ferries"], ["* tugs"]],
    }
    # Offsets may be those of a chunk inside a longer text.
    assert list_groups("x" * 5 + text, [(s + 5, e + 5) for s, e in units], 0).keys() == \
        list_groups(text, units).keys()


def test_a_list_that_opens_its_section_is_introduced_by_the_heading():
    text = "- ferries\n- tugs, which:\n  * tow\n  * push\n\nFees are set in April."
    units = sentence_spans(text)
    said = [text[s:e] for s, e in units]
    opened = list_groups(text, units, opens_section=True)
    # The heading is the lead-in: its list is under -1, and an item's own lead-in keeps its list as before.
    assert [[said[k] for k in item] for item in opened[-1]] == [["- ferries"], ["- tugs, which:", "* tow", "* push"]]
    assert opened.keys() == {-1, 1}
    # Not the first chunk of its section (or a text that opens with prose): no list without a lead-in.
    assert -1 not in list_groups(text, units)
    prose = "Fees are set in April.\n\n- ferries\n- tugs"
    assert list_groups(prose, sentence_spans(prose), opens_section=True) == {}


def test_a_fenced_code_block_is_one_unit_and_the_lead_in_before_it_introduces_it():
    code = "```sh\nacmezip restore --into /srv/letters archive.acz\n\nacmezip check /srv/letters. Done.\n```"
    text = (f"To restore a folder, run:\n\n{code}\n\nThe restored files keep their dates. It needs:\n\n"
            "- a disk\n\nThe board met twice:\n\nIn May it met.")
    units = sentence_spans(text, markdown=True)
    said = [text[s:e] for s, e in units]
    # In Markdown the block is one unit, its blank line and full stop included; in a text file it is prose.
    assert said[:2] == ["To restore a folder, run:", code]
    assert code not in [text[s:e] for s, e in sentence_spans(text)]
    # A colon before a unit that opens no list item introduces that unit; a list's lead-in introduces its list.
    assert {said[j]: said[k] for j, k in introduced(text, units).items()} == {
        "To restore a folder, run:": code, "The board met twice:": "In May it met."}
    assert said.index("It needs:") in list_groups(text, units)
    # A block over the word limit is cut as prose is, and introduces nothing whole.
    long = "Run:\n\n```\n" + "step one. " * MAX_CODE_UNIT_WORDS + "\n\nstep two\n```"
    long_units = sentence_spans(long, markdown=True)
    assert len(long_units) > 2 and introduced(long, long_units) == {}

def test_spans_are_offsets_into_the_text():
    text = "  First one.   Second one?  "
    spans = sentence_spans(text)
    assert [text[s:e] for s, e in spans] == ["First one.", "Second one?"]
    assert spans[0][0] == 2


def test_an_overlong_run_without_punctuation_is_cut_at_white_space():
    text = "word " * 2000
    spans = sentence_spans(text)
    assert len(spans) > 1
    assert all(e - s <= 1200 for s, e in spans)
    assert all(not text[s].isspace() and not text[e - 1].isspace() for s, e in spans)


def test_tokens_keep_numbers_percentages_codes_and_acronyms_whole():
    tokens = raw_tokens("SATMEX-7 launched in 2019; CAGR 8.89%; IFT's 5G rollout; 20 million; COVID-19")
    for expected in ("satmex-7", "2019", "8.89%", "ift", "5g", "20", "million", "covid-19"):
        assert expected in tokens
    assert "8" not in tokens and "89" not in tokens


def test_search_tokens_stem_words_drop_stop_words_and_add_the_parts_of_codes():
    tokens = search_tokens("When was the Institute created? SATMEX-7 and 8.89%")
    assert "when" not in tokens and "the" not in tokens
    assert "institut" in tokens and "creat" in tokens
    assert {"satmex-7", "satmex", "7", "8.89%", "8.89"} <= set(tokens)


def test_a_headings_words_leave_out_its_number_only():
    from assistant.text import heading_words

    assert heading_words("6. How fast is it?") == ["fast"] and heading_words("IV. Berth fees") == ["berth", "fee"]
    assert "10" in heading_words("The top 10 berths")  # a number inside a heading is one of its words


def test_code_identifiers_are_options_names_with_underscores_or_camel_case_files_and_elements():
    text = ("Run acmezip -k or --keep-all with ACME_OK, set_level2 and workFactor in acme_private.h or acme.conf; "
            "see <include> and the iPod, PyTorch, e-mail, well-known, e.g. U.S., -5 and 8.89% and torch.nn.Module.")
    assert code_identifiers(text) == ["-k", "--keep-all", "ACME_OK", "set_level2", "workFactor", "acme_private.h",
                                      "acme.conf", "<include"]


def test_a_text_holds_an_identifier_only_whole():
    assert holds_identifier("-k --keep", "-k") and not holds_identifier("-K --keep", "-k")
    assert not holds_identifier("e-k and a-k", "-k") and not holds_identifier("ACME_OK_X", "ACME_OK")
    assert holds_identifier("See ACME_OK.", "acme_ok") and holds_identifier("(--fast)", "--fast")
    assert not holds_identifier("--keep-all", "--keep") and not holds_identifier("acme.conf.d", "acme.conf")
    assert holds_identifier("acme.conf", "acme.conf") and holds_identifier("<dir>", "<dir")
