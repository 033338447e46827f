"""Seed 004, an e-commerce optimisation chat: store context windows, contextual prompts, patterns, fine-tuning.

FixIt AI helps store owners speed up and sell more. Each owner's store has a context window (the store's data,
its open issues, the last 10 conversations and the optimisations applied); every question goes to the model
wrapped in that context. Owners rate the answers or correct them, optimisation patterns are matched to a
store's facts and learn from each outcome, and the rated conversations become a redacted dataset and a
fine-tuning job (on the offline `local` provider) whose model answers like the best-rated replies.

Run it against `make run`:  .venv/bin/python examples/ecommerce_assistant.py --url http://127.0.0.1:8000 --key <root key>
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from typing import Any

from _client import ApiError, Client, arguments, new_tenant, table

CATEGORY = "store_optimization"
BASE_MODEL = "local:swift"
SYSTEM_PROMPT = "You are an e-commerce optimization expert specializing in shopify stores."
OWNER_EMAIL = "ana.owner@ana-ceramics.example"
DESCRIPTION_PRIOR = 0.85  # what the team expected of the description pattern before any outcome

# (owner, store id, store url, store type, store data, current issues)
STORES = [
    (
        "ana",
        "ana-ceramics",
        "ana-ceramics.myshopify.com",
        "shopify",
        {"products": 150, "themes": 2, "page_load_seconds": 4.8, "monthly_orders": 320},
        ["slow_loading", "poor_seo"],
    ),
    (
        "ben",
        "ben-bikes",
        "ben-bikes.myshopify.com",
        "shopify",
        {"products": 42, "themes": 1, "page_load_seconds": 2.1, "monthly_orders": 85},
        ["low_conversion"],
    ),
    (
        "chloe",
        "chloe-tea",
        "chloe-tea.myshopify.com",
        "shopify",
        {"products": 18, "themes": 3, "page_load_seconds": 3.6, "monthly_orders": 140},
        ["abandoned_carts", "slow_loading"],
    ),
    (
        "dev",
        "dev-prints",
        "dev-prints.myshopify.com",
        "shopify",
        {"products": 260, "themes": 1, "page_load_seconds": 5.2, "monthly_orders": 610},
        ["poor_seo"],
    ),
]
# Each owner's questions, with the rating they gave the answer and, for some, the answer their consultant wrote instead.
QUESTIONS: dict[str, list[tuple[str, int, str | None]]] = {
    "ana": [
        ("How do I fix my homepage speed?", 5, "Compress the hero images to WebP, lazy-load the collection grid, "
         "and remove the two unused theme apps: that is most of your 4.8 s."),
        (f"Can you rewrite my product descriptions? Reply to {OWNER_EMAIL}", 4, None),
        ("Which SEO fixes matter most for a ceramics shop?", 5, "Unique titles and meta descriptions per product, "
         "alt text on every photo, and a collection page per glaze."),
    ],
    "ben": [
        ("Why do visitors leave my bike product pages?", 5, None),
        ("Should I add a size guide to my bikes?", 2, None),
        ("How can I raise my conversion rate?", 4, "Show delivery dates above the fold and add reviews to each bike."),
    ],
    "chloe": [
        ("How do I win back abandoned carts?", 5, "Send a reminder after 1 hour and one after 24 hours with free samples."),
        ("Is my tea shop slow on mobile?", 4, None),
        ("What bundle offers work for tea?", 5, None),
    ],
    "dev": [
        ("How do I get my prints found on Google?", 5, "Name each print file and title after its subject and artist."),
        ("Do I need a blog for SEO?", 4, None),
        ("How do I speed up a store with 260 products?", 1, None),
    ],
}  # fmt: skip
PATTERNS = [
    {
        "pattern": "product_description_optimization",
        "description": "Improve product descriptions for better SEO and conversions",
        "category": "product_optimization",
        "store_type": "shopify",
        "conditions": {"hasShortDescriptions": True, "productCount": ">10"},
        "solution": {"steps": ["expand_descriptions", "add_keywords", "include_benefits"]},
        "success_rate": DESCRIPTION_PRIOR,
    },
    {
        "pattern": "benefit_led_titles",
        "description": "Lead product titles with the customer's benefit",
        "category": "product_optimization",
        "store_type": "shopify",
        "conditions": {"productCount": {"gte": 20}},
        "solution": {"steps": ["rewrite_titles", "a_b_test_titles"]},
        "success_rate": 0.6,
    },
    {
        "pattern": "small_catalog_storytelling",
        "description": "Tell the maker's story on every product of a small catalog",
        "category": "product_optimization",
        "store_type": "shopify",
        "conditions": {"productCount": "<20"},
        "solution": {"steps": ["add_maker_story"]},
        "success_rate": 0.7,
    },
]


def main(argv: Sequence[str]) -> int:
    options = arguments(__doc__.splitlines()[0], argv)
    admin = new_tenant(options.url, options.key, "FixIt AI")
    chat = admin.with_key(admin.post("/v1/api-keys", {"name": "chat-backend", "role": "app"})["key"])
    admin.put(
        f"/v1/tasks/{CATEGORY}",
        {
            "category_name": "Store optimisation",
            "description": "Answers to store owners about speed, SEO and conversion",
            "required_capabilities": ["text_chat"],
            "default_priority": "quality",
            "typical_max_tokens": 400,
        },
    )
    print("FixIt AI: store context, patterns and fine-tuning\n")

    set_up_stores(chat)
    show_contextual_prompt(chat)
    sessions = converse(chat)
    check_window(chat)
    apply_patterns(admin, chat)
    dataset, lines = build_dataset(admin, sessions)
    fine_tune(admin, chat, dataset, [line for split, line in lines if split == "train"], sessions)
    return 0


def set_up_stores(chat: Client) -> None:
    """Each store's side of its owner's context, its optimisation history, and (for Ana) her imported chat history."""
    for owner, store, url, store_type, data, issues in STORES:
        chat.put(
            f"/v1/contexts/{owner}/{store}",
            {"store_url": url, "store_type": store_type, "store_data": data, "current_issues": issues},
        )
    context = "/v1/contexts/ana/ana-ceramics"
    chat.post(f"{context}/optimizations", {"action": "Image optimization", "result": "success", "details": {"saved_kb": 1840}})
    chat.post(f"{context}/optimizations", {"action": "SEO improvements", "result": "success", "details": {"pages": 12}})
    chat.post(f"{context}/optimizations", {"action": "Theme app cleanup", "result": "failure", "details": {"reason": "app lock"}})
    for i in range(1, 9):  # what she asked the previous assistant, as the store's chat history has it
        chat.post(
            f"{context}/conversations",
            {"user_message": f"Old question {i} about my shop", "ai_response": f"Old answer {i}", "category": "imported"},
        )


def show_contextual_prompt(chat: Client) -> None:
    message = "How do I fix my homepage speed?"
    full = chat.post("/v1/contexts/ana/ana-ceramics/prompt", {"message": message})
    print("The contextual prompt for Ana's first question (what the model is sent)")
    print("  " + full["prompt"].replace("\n", "\n  "))
    check(full["prompt"].startswith("Store Context:"), "the prompt opens with the store's context")
    for part in ("ana-ceramics.myshopify.com", "Products: 150", "slow_loading", "Recent Optimizations:", message):
        check(part in full["prompt"], f"the prompt carries {part!r}")
    short = chat.post("/v1/contexts/ana/ana-ceramics/prompt", {"message": message, "max_chars": 400})
    check(len(short["prompt"]) <= 400 and message in short["prompt"], "a prompt cut to 400 characters keeps the question")
    print(
        f"\nCut to 400 characters it keeps {short['conversations_included']} of {full['conversations_included']} "
        f"conversations and {short['optimizations_included']} of {full['optimizations_included']} optimisations "
        f"({short['length']} characters)\n"
    )


def converse(chat: Client) -> list[dict[str, Any]]:
    """Every owner's questions, answered in their store's context; owners rate the answers and correct some."""
    rows, sessions = [], []
    for owner, store, *_ in STORES:
        for question, rating, correction in QUESTIONS[owner]:
            answer = chat.post(
                "/v1/generations",
                {
                    "user_id": owner,
                    "category_key": CATEGORY,
                    "prompt": question,
                    "model_id": BASE_MODEL,
                    "context": {"store_id": store},
                    "max_tokens": 300,
                },
            )
            if correction is not None:
                chat.call("PATCH", f"/v1/sessions/{answer['session_id']}", json={"corrected_output": correction})
            feedback = chat.post(f"/v1/sessions/{answer['session_id']}/feedback", {"user_id": owner, "rating": rating})
            check(abs(feedback["quality_score"] - (rating - 1) / 4) < 1e-9, "a rating r scores (r - 1) / 4")
            sessions.append(
                {
                    "owner": owner,
                    "session_id": answer["session_id"],
                    "rating": rating,
                    "question": question,
                    "output": answer["output"],
                }
            )
            rows.append((owner, question[:44], answer["model_id"], answer["latency_ms"], rating, "yes" if correction else ""))
    print("Conversations")
    print(table(rows, ["owner", "question", "model", "ms", "rating", "corrected"]))
    print()
    return sessions


def check_window(chat: Client) -> None:
    """Ana's window holds only the last 10 conversations: 8 imported plus 3 new ones leave the oldest out."""
    window = chat.get("/v1/contexts/ana/ana-ceramics")
    conversations = window["conversations"]
    check(len(conversations) == 10, f"the window holds the last 10 conversations, not {len(conversations)}")
    check(
        conversations[0]["user_message"] == "Old question 2 about my shop",
        f"the oldest conversation left the window: {[(c['seq'], c['user_message'][:20]) for c in conversations]}",
    )
    check(conversations[-1]["user_message"] == QUESTIONS["ana"][-1][0], "the newest conversation is the last one asked")
    check(all(c["session_id"] for c in conversations), "every conversation is a session feedback can reach")
    print(
        f"Ana's context window: {len(conversations)} of the last {window['max_conversations']} conversations, "
        f"{len(window['optimizations'])} optimisations, issues {', '.join(window['current_issues'])}"
    )
    print(table([(c["seq"], c["user_message"][:50], c["category"]) for c in conversations[-4:]], ["seq", "message", "category"]))
    print()


def apply_patterns(admin: Client, chat: Client) -> None:
    """The patterns that fit a store, ranked; each application's outcome moves the pattern's estimated success rate."""
    saved = {p["pattern"]: admin.post("/v1/patterns", p) for p in PATTERNS}
    facts = {"hasShortDescriptions": True, "productCount": 150}
    matched = chat.post("/v1/patterns/match", {"store_type": "shopify", "category": "product_optimization", "facts": facts})
    names = [p["pattern"] for p in matched["items"]]
    check(names == ["product_description_optimization", "benefit_led_titles"], f"the fitting patterns, best first: {names}")
    top = saved["product_description_optimization"]
    outcomes = [True, True, False]  # applied to Ana's, Dev's and Ben's stores
    updated = [chat.post(f"/v1/patterns/{top['id']}/outcome", {"success": success}) for success in outcomes][-1]
    chat.post(
        "/v1/contexts/ana/ana-ceramics/optimizations",
        {"action": "Product description optimization", "result": "success", "details": {"pattern_id": top["id"]}},
    )
    expected = (5 * DESCRIPTION_PRIOR + sum(outcomes)) / (5 + len(outcomes))
    check(updated["usage_count"] == len(outcomes), "each outcome counts one use")
    check(abs(updated["success_rate"] - expected) < 1e-9, f"success rate {updated['success_rate']} = {expected}")
    after = chat.post("/v1/patterns/match", {"store_type": "shopify", "category": "product_optimization", "facts": facts})
    print(f"Patterns for a shopify store with facts {json.dumps(facts)}")
    print(
        table(
            [(p["pattern"], json.dumps(p["conditions"]), p["usage_count"], p["success_rate"]) for p in after["items"]],
            ["pattern", "conditions", "uses", "success rate"],
        )
    )
    print()


def build_dataset(admin: Client, sessions: list[dict[str, Any]]) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
    """The rated conversations as training examples, a reviewer's veto, and a redacted dataset split by owner."""
    examples = admin.items("/v1/training/examples", category_key=CATEGORY)
    check(len(examples) == len(sessions), f"every rated conversation is an example: {len(examples)} of {len(sessions)}")
    vetoed = next(s for s in sessions if s["question"].startswith("What bundle"))  # rated 5, but it recommends a competitor
    example = next(e for e in examples if e["session_id"] == vetoed["session_id"])
    admin.call("PATCH", f"/v1/training/examples/{example['id']}", json={"quality_score": 0.0, "validated": True})
    min_rating = 4
    kept = [s for s in sessions if s["rating"] >= min_rating and s is not vetoed]
    dataset = admin.post(
        "/v1/training/datasets",
        {"days": 1, "min_rating": min_rating, "category_key": CATEGORY, "validation_split": 0.25, "system_prompt": SYSTEM_PROMPT},
    )
    total = dataset["train_count"] + dataset["validation_count"]
    check(total == len(kept), f"the dataset holds the {len(kept)} examples rated >= {min_rating} and not vetoed: {total}")
    check(dataset["validation_count"] > 0 and dataset["train_count"] >= 5, "both splits hold examples")
    lines = []
    for split in ("train", "validation"):
        text = admin.call("GET", f"/v1/training/datasets/{dataset['dataset_id']}/download", params={"split": split})
        lines += [(split, json.loads(line)) for line in text.splitlines()]
    everything = json.dumps([line for _, line in lines])
    check(OWNER_EMAIL not in everything and "[EMAIL]" in everything, "the owner's e-mail address is redacted")
    for _, line in lines:
        roles = [m["role"] for m in line["messages"]]
        check(roles == ["system", "user", "assistant"], f"a chat line is system, user, assistant: {roles}")
        check(line["messages"][0]["content"] == SYSTEM_PROMPT, "every line carries the system prompt")
    corrected = [line for _, line in lines if line["messages"][2]["content"].startswith("Compress the hero images")]
    check(len(corrected) == 1, "a corrected answer is the expected one")
    print(
        f"Dataset {dataset['dataset_id']}: {dataset['train_count']} train, {dataset['validation_count']} validation lines "
        f"({len(sessions)} conversations: {len(sessions) - len(kept)} below {min_rating} stars or vetoed)"
    )
    print(table([(split, asked(line["messages"][1]["content"])[:60]) for split, line in lines], ["split", "owner asked"]))
    print()
    return dataset, lines


def fine_tune(
    admin: Client, chat: Client, dataset: dict[str, Any], train: list[dict[str, Any]], sessions: list[dict[str, Any]]
) -> None:
    """A fine-tuning job on the offline provider, advanced by the poll-training-jobs task run through the API."""
    job = admin.post(
        "/v1/training/jobs", {"dataset_id": dataset["dataset_id"], "base_model": BASE_MODEL, "suffix": "ecommerce-optimizer-v2"}
    )
    check(job["status"] == "pending", f"a new job is pending, not {job['status']}")
    deadline = time.monotonic() + 60
    while job["status"] in ("pending", "running") and time.monotonic() < deadline:
        try:
            admin.post("/v1/scheduler/tasks/poll-training-jobs/run", expect=200)
        except ApiError as exc:
            if " 409:" not in str(exc):  # the local scheduler is polling right now
                raise
            time.sleep(0.5)
        job = admin.get(f"/v1/training/jobs/{job['job_id']}")
    check(job["status"] == "succeeded", f"the fine-tuning job succeeded: {job['status']} {job.get('error')}")
    print(f"Fine-tuning job {job['job_id']}: {job['status']}, model {job['model_id']}")
    print(table([(e["created_at"], e["message"][:80]) for e in job["events"]], ["at", "event"]))
    metrics = job.get("metrics") or {}
    rows = [
        (split, figures.get("examples"), figures.get("base_token_f1"), figures.get("fine_tuned_token_f1"))
        for split, figures in metrics.items()
        if isinstance(figures, dict) and "base_token_f1" in figures
    ]
    print("\nToken F1 against the expected answers")
    print(table(rows, ["split", "examples", BASE_MODEL, job["model_id"]]))
    on_train = metrics["train"]
    check(on_train["fine_tuned_token_f1"] > on_train["base_token_f1"], "on the training inputs the new model beats its base")
    catalog = {m["id"] for m in admin.items("/v1/models", provider="local")}
    check(job["model_id"] in catalog, "the new model is in the catalog")

    # Replayed, a conversation the owner corrected gets the corrected answer from the new model.
    corrections = {c for questions in QUESTIONS.values() for _, _, c in questions if c}
    replay = next(line for line in train if line["messages"][2]["content"] in corrections)
    question, expected = replay["messages"][1]["content"], replay["messages"][2]["content"]
    answer = chat.post(
        "/v1/generations",
        {"user_id": "replay", "category_key": CATEGORY, "prompt": question, "model_id": job["model_id"], "max_tokens": 300},
    )
    check(answer["output"] == expected, f"the new model answers a training conversation as corrected: {answer['output']!r}")
    first = next(s for s in sessions if s["question"] == asked(question))
    print(f"\nReplayed to the new model: {first['question']}")
    print(f"  {BASE_MODEL} answered:  {first['output']}")
    print(f"  the new model answers: {answer['output']}")
    print(f"\nOK: context windows bounded, patterns learning, job {job['status']} with {job['model_id']}")


def asked(prompt: str) -> str:
    """The owner's own message in a contextual prompt."""
    return next(line.removeprefix("User Message: ") for line in prompt.splitlines() if line.startswith("User Message: "))


def check(condition: bool, what: str) -> None:
    if not condition:
        raise AssertionError(what)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
