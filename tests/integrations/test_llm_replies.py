"""Reading reply texts: the JSON value inside them (plain, fenced, in prose) and refusals in many languages."""

from __future__ import annotations

import json
import time

import pytest

from storyboard.integrations.llm.replies import extract_json, refusal_in

BOARD = {"scenes": [{"sceneNumber": 1, "script": "Hi {there} [1]"}, {"sceneNumber": 2, "script": "Bye"}]}
TEXT = json.dumps(BOARD)


@pytest.mark.parametrize(
    "reply",
    [
        TEXT,
        f"  \n{TEXT}\n  ",
        f"```json\n{TEXT}\n```",
        f"```\n{TEXT}\n```",
        f"Sure! Here is the storyboard you asked for:\n\n```json\n{TEXT}\n```\n\nLet me know if you want changes.",
        f"Here it is: {TEXT} Hope this helps.",
        f"Scenes [see below] for {{the brand}}:\n{TEXT}",
        f"Step [1] of 2:\n{TEXT}",  # a list of bare values in prose is not preferred over the storyboard
        f"```json\n{TEXT[:40]}\n```\nOops, again:\n```json\n{TEXT}\n```",
    ],
)
def test_the_storyboard_is_found_in_the_reply(reply):
    assert extract_json(reply) == BOARD


def test_a_bare_list_and_a_wrapped_object_are_returned_as_they_are():
    assert extract_json(json.dumps(BOARD["scenes"])) == BOARD["scenes"]
    wrapped = {"storyboard": BOARD}
    assert extract_json(f"Here you go:\n{json.dumps(wrapped)}") == wrapped


def test_plain_json_of_any_kind_is_its_value():
    assert extract_json("null") is None and extract_json(" 42 ") == 42 and extract_json('"text"') == "text"


@pytest.mark.parametrize(
    "reply",
    [
        "",
        "   ",
        "Sure! Here is your storyboard.",
        "I'm sorry, but I can't assist with that request.",
        TEXT[:-30],  # cut off: the scene objects inside are not the reply
        TEXT[: TEXT.index("Bye") + 1],  # cut off inside a string
        f"```json\n{TEXT[:-5]}\n```",
        f"Here it is:\n```json\n{TEXT[:-5]}",  # cut off before the closing fence
        "Use {curly} and [square] brackets freely.",
        "[" * 100_000,
    ],
)
def test_no_json_raises_value_error(reply):
    with pytest.raises(ValueError):
        extract_json(reply)


def test_hostile_text_is_read_quickly():
    started = time.monotonic()
    for text in ("[" * 200_000, "{x " * 100_000, '{"a": [' * 50_000, "x" * 1_000_000):
        with pytest.raises(ValueError):
            extract_json(text)
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(
    "text, phrase",
    [
        ("I'm sorry, but I can't assist with that request.", "I'm sorry, but I can't"),
        ("I’m sorry, but I can’t assist with that request.", "I’m sorry, but I can’t"),
        ("Sorry, I cannot do that.", "Sorry, I cannot"),
        ("I cannot help with requests like this.", "I cannot help with"),
        ("As an AI language model, I do not write ads.", "As an AI language model"),
        ("I am unable to help with that.", "I am unable to help"),
        ("I must decline this request.", "I must decline"),
        ("Es tut mir leid, aber ich kann dabei nicht helfen.", "Es tut mir leid, aber ich kann"),
        ("Ich kann Ihnen dabei leider nicht helfen.", "Ich kann Ihnen dabei leider nicht helfen"),
        ("Je suis désolé, mais je ne peux pas vous aider.", "Je suis désolé, mais je ne peux"),
        ("En tant qu'IA, je ne peux pas faire cela.", "En tant qu'IA"),
        ("Lo siento, pero no puedo ayudar con eso.", "Lo siento, pero no puedo"),
        ("Desculpe, mas não posso ajudar com isso.", "Desculpe, mas não posso"),
        ("Mi dispiace, ma non posso aiutarti con questa richiesta.", "Mi dispiace, ma non posso"),
        ("申し訳ありませんが、そのご依頼にはお応えできません。", "申し訳ありませんが、そのご依頼にはお応えできません"),
        ("そのリクエストにはお手伝いできません。", "お手伝いできません"),
        ("抱歉，我无法帮助你。", "抱歉，我无法"),
        ("عذرًا، لا أستطيع المساعدة في ذلك.", "عذرًا، لا أستطيع"),
    ],
)
def test_refusals_are_found_with_their_phrase(text, phrase):
    assert refusal_in(text) == phrase


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Barista coffee in ten seconds. Order now at acme.com.",
        "Sorry we missed you! Stop by today.",
        "Our app has an AI model that plans your week.",
        "Es tut mir leid um den verschütteten Kaffee.",
        "申し訳ありませんが、本日は売り切れです。",  # "sorry, sold out today": an ad may say so
        '{"scenes": []}',
    ],
)
def test_ad_lines_are_not_refusals(text):
    assert refusal_in(text) is None
