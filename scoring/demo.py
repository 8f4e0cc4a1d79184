"""The demo data set: fictional companies whose seeded, deterministic feedback tells stories."""

from __future__ import annotations

import argparse
import calendar
import csv
import json
import math
import random
import re
import shutil
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

FIRST_MONTH = date(2024, 11, 1)
LAST_DAY = date(2026, 10, 31)
COLUMNS = (
    "id", "submitted_at", "channel", "case_id", "stage", "topic", "site", "rating", "nps",
    "wait_seconds", "resolved", "resolved_at", "comment", "comment_public",
)
HOUR = 3600
DAY = 24 * HOUR

# Contacts cluster in office hours; index = hour of day (UTC, the demo ignores time zones).
HOUR_WEIGHTS = (1, .5, .3, .3, .3, .5, 1, 2, 4, 6, 7, 7, 6, 6, 6, 6, 6, 5, 5, 4, 3, 2, 1.5, 1)

# industry -> stage -> topic -> weight: what customers of that sector get in touch about.
TOPICS: dict[str, dict[str, dict[str, float]]] = {
    "e-commerce": {
        "pre_sale": {"product": 4, "stock": 2, "payment": 2, "delivery": 2},
        "post_sale": {"delivery": 5, "refund": 3, "returns": 3, "order": 2, "payment": 1,
                      "account": 1, "app": 1},
    },
    "banking": {
        "pre_sale": {"account": 3, "loan": 3, "mortgage": 2, "card": 1},
        "post_sale": {"card": 3, "app": 2, "fees": 2, "fraud": 1.5, "account": 2, "loan": 1,
                      "transfer": 2},
    },
    "telecom": {
        "pre_sale": {"contract": 4, "device": 3, "broadband": 2},
        "post_sale": {"network": 4, "billing": 4, "broadband": 2, "roaming": 1, "device": 1,
                      "app": 1, "contract": 1},
    },
    "ride-hailing": {
        "pre_sale": {"fare": 3, "app": 2, "account": 1},
        "post_sale": {"driver": 4, "fare": 3, "pickup": 3, "lost_item": 1.5, "refund": 2,
                      "safety": 0.5, "app": 1},
    },
    "utilities": {
        "pre_sale": {"tariff": 4, "moving_home": 2},
        "post_sale": {"billing": 5, "meter": 3, "outage": 2, "moving_home": 1, "payment": 1},
    },
    "travel": {
        "pre_sale": {"booking": 4, "price": 2},
        "post_sale": {"cancellation": 3, "refund": 3, "baggage": 2, "delay": 2, "booking": 1},
    },
    "insurance": {
        "pre_sale": {"quote": 3, "policy": 2},
        "post_sale": {"claim": 5, "renewal": 2, "billing": 1, "policy": 1},
    },
}

CHANNELS: dict[str, dict[str, float]] = {
    "e-commerce": {"email": 30, "chat": 30, "phone": 20, "social": 8, "app": 10, "other": 2},
    "banking": {"phone": 40, "app": 20, "chat": 15, "email": 12, "in_person": 10, "social": 3},
    "telecom": {"phone": 45, "chat": 25, "email": 10, "in_person": 8, "social": 7, "app": 5},
    "ride-hailing": {"app": 55, "chat": 20, "email": 10, "social": 8, "phone": 5, "other": 2},
    "utilities": {"phone": 50, "email": 25, "chat": 10, "other": 5, "social": 5, "app": 5},
    "travel": {"phone": 35, "email": 30, "chat": 20, "social": 10, "in_person": 5},
    "insurance": {"phone": 50, "email": 30, "chat": 10, "other": 10},
}

# channel -> (chance a wait is recorded, wait relative to the phone queue). Email and social
# have no queue a customer waits in, so they carry no wait.
WAITS = {
    "phone": (0.97, 1.0), "chat": (0.9, 0.5), "in_person": (0.6, 0.8), "app": (0.15, 0.3),
    "other": (0.1, 1.0), "email": (0.0, 0.0), "social": (0.0, 0.0),
}
# Channels where the person who answers can usually fix it on the spot.
LIVE_CHANNELS = ("phone", "chat", "in_person", "app")

GOOD_RATINGS = (4, 5), (0.45, 0.55)
POOR_RATINGS = (1, 2, 3), (0.3, 0.3, 0.4)
# rating -> weights over nps 0..10: recommending follows satisfaction, loosely.
NPS_BY_RATING = {
    5: (0, 0, 0, 0, 0, 0, 0, 5, 15, 35, 45),
    4: (0, 0, 0, 0, 0, 0, 10, 30, 40, 15, 5),
    3: (0, 0, 0, 0, 10, 25, 30, 25, 8, 2, 0),
    2: (0, 10, 10, 20, 25, 25, 10, 0, 0, 0, 0),
    1: (25, 20, 20, 15, 10, 10, 0, 0, 0, 0, 0),
}


@dataclass(frozen=True)
class Site:
    """Who answers: share of cases, quality relative to the company, queue and fix rate."""

    name: str
    share: float = 1.0
    csat_shift: float = 0.0
    wait_factor: float = 1.0
    repeat: float = 0.2  # chance of each further contact on the same case
    resolve: float = 0.9  # chance the case is eventually resolved


@dataclass(frozen=True)
class Company:
    """One demo company: its profile, the shape of its feedback and its action log."""

    slug: str
    name: str
    industry: str
    country: str
    description: str
    cases_per_month: float
    csat: float  # share of ratings >= 4 at the start, before shifts
    csat_drift: float = 0.0  # change in that share over the two years
    growth: float = 0.0  # monthly volume growth
    season_peak: int = 12  # month of peak volume
    season_amp: float = 0.0
    stage_shift: dict[str, float] = field(
        default_factory=lambda: {"pre_sale": 0.04, "post_sale": -0.01},
    )
    pre_sale_share: float = 0.25
    sites: tuple[Site, ...] = (Site("in-house"),)
    topic_boost: dict[str, float] = field(default_factory=dict)
    # topic -> ((from day, share of ratings >= 4), ...): overrides the company level for a topic.
    topic_csat: dict[str, tuple[tuple[str, float], ...]] = field(default_factory=dict)
    wait_median: float = 120.0  # seconds, phone queue
    wait_spread: float = 0.8  # sigma of log wait
    rating_rate: float = 0.5
    nps_rate: float = 0.3
    comment_rate: float = 0.1
    last_day: date = LAST_DAY
    actions: tuple[dict, ...] = ()


def _day(text: str) -> date:
    return date.fromisoformat(text)


COMPANIES: tuple[Company, ...] = (
    Company(
        slug="parcelwick",
        name="Parcelwick",
        industry="e-commerce",
        country="GB",
        description=(
            "Parcelwick is a fictional online department store used as demo data. It sells "
            "homeware and gadgets and ships from one warehouse. Its refund fix in December 2025 "
            "shows how the scoreboard measures an action's effect."
        ),
        cases_per_month=330,
        csat=0.74,
        growth=0.01,
        season_amp=0.3,
        topic_boost={"refund": 2.2},
        topic_csat={"refund": (("2024-11-01", 0.49), ("2025-12-08", 0.81))},
        wait_median=90,
        rating_rate=0.58,
        actions=(
            {
                "id": "faster-refunds",
                "topic": "refund",
                "you_said": "Refunds take more than two weeks after I send the parcel back.",
                "we_did": "Refunds are issued within 48 hours of the return being scanned at "
                          "the depot.",
                "status": "done",
                "opened": _day("2025-09-15"),
                "updates": [
                    {"date": _day("2025-10-20"), "status": "in_progress",
                     "note": "New scanners ordered for the returns depot."},
                    {"date": _day("2025-12-08"), "status": "done",
                     "note": "Refunds now start automatically when the depot scans a return."},
                ],
                "evidence": "https://parcelwick.example/blog/faster-refunds",
            },
            {
                "id": "delivery-slots",
                "topic": "delivery",
                "you_said": "I can't choose when my parcel arrives, so I miss it.",
                "we_did": "One-hour delivery slots, chosen at checkout.",
                "status": "in_progress",
                "opened": _day("2026-06-02"),
                "updates": [
                    {"date": _day("2026-08-14"), "status": "in_progress",
                     "note": "Piloting slots in Leeds and Bristol."},
                ],
            },
        ),
    ),
    Company(
        slug="tellurian-mobile",
        name="Tellurian Mobile",
        industry="telecom",
        country="IE",
        description=(
            "Tellurian Mobile is a fictional mobile network used as demo data. Half of its "
            "calls go to an outsourced centre (vendor-a), and the scores show the difference "
            "between that centre and its own team."
        ),
        cases_per_month=300,
        csat=0.8,
        sites=(
            Site("in-house", share=0.55, csat_shift=0.02, repeat=0.15, resolve=0.95),
            Site("vendor-a", share=0.45, csat_shift=-0.26, wait_factor=2.6, repeat=0.38,
                 resolve=0.78),
        ),
        wait_median=150,
        actions=(
            {
                "id": "billing-calls-in-house",
                "topic": "billing",
                "you_said": "The outsourced helpline can't fix billing mistakes.",
                "we_did": "Billing calls are routed to our own team in Cork.",
                "status": "in_progress",
                "opened": _day("2026-05-11"),
                "updates": [
                    {"date": _day("2026-07-01"), "status": "in_progress",
                     "note": "Half of billing calls now reach the in-house team."},
                ],
            },
            {
                "id": "coverage-map",
                "topic": "network",
                "you_said": "Tell me where coverage is bad before I sign a contract.",
                "we_did": "A street-level coverage map, with indoor estimates, on our website.",
                "status": "done",
                "opened": _day("2025-03-03"),
                "updates": [
                    {"date": _day("2025-06-30"), "status": "done"},
                ],
                "evidence": "https://tellurian-mobile.example/coverage",
            },
        ),
    ),
    Company(
        slug="brassbridge-bank",
        name="Brassbridge Bank",
        industry="banking",
        country="GB",
        description=(
            "Brassbridge Bank is a fictional high-street bank used as demo data. It is quick "
            "and friendly when opening an account or a loan, and much less so once you are a "
            "customer."
        ),
        cases_per_month=250,
        csat=0.62,
        stage_shift={"pre_sale": 0.28, "post_sale": -0.05},
        pre_sale_share=0.35,
        wait_median=240,
        actions=(
            {
                "id": "fee-alerts",
                "topic": "fees",
                "you_said": "Fees appear on my statement without warning.",
                "we_did": "An app alert three days before any fee is charged.",
                "status": "done",
                "opened": _day("2025-04-14"),
                "updates": [
                    {"date": _day("2025-05-30"), "status": "in_progress"},
                    {"date": _day("2025-08-01"), "status": "done"},
                ],
            },
            {
                "id": "card-replacement",
                "topic": "card",
                "you_said": "A lost card takes ten days to replace.",
                "we_did": "Next-day replacement cards, and a virtual card in the app at once.",
                "status": "planned",
                "opened": _day("2026-09-20"),
            },
        ),
    ),
    Company(
        slug="zoomerang",
        name="Zoomerang Rides",
        industry="ride-hailing",
        country="NL",
        description=(
            "Zoomerang Rides is a fictional ride-hailing app used as demo data. Its action log "
            "includes a request it declined, and why."
        ),
        cases_per_month=260,
        csat=0.7,
        growth=0.02,
        season_peak=7,
        season_amp=0.15,
        pre_sale_share=0.15,
        wait_median=60,
        actions=(
            {
                "id": "cash-payments",
                "topic": "fare",
                "you_said": "Let me pay the driver in cash.",
                "we_did": "We will not add cash payments.",
                "status": "declined",
                "opened": _day("2025-07-08"),
                "updates": [
                    {"date": _day("2025-08-19"), "status": "declined",
                     "note": "Drivers told us that carrying cash made them targets for robbery, "
                             "and a cash fare cannot be refunded when a trip goes wrong. Riders "
                             "without a card can now top up the app with a voucher from any "
                             "newsagent."},
                ],
            },
            {
                "id": "lost-item-line",
                "topic": "lost_item",
                "you_said": "Getting a phone back that I left in a car is impossible.",
                "we_did": "A lost-property line answered by a person; drivers are paid to "
                          "return items.",
                "status": "done",
                "opened": _day("2025-02-10"),
                "updates": [
                    {"date": _day("2025-03-15"), "status": "in_progress"},
                    {"date": _day("2025-05-02"), "status": "done"},
                ],
                "evidence": "https://zoomerang.example/help/lost-items",
            },
            {
                "id": "station-pickup-points",
                "topic": "pickup",
                "you_said": "Drivers can't find me at the station.",
                "we_did": "Marked pickup points at the 40 busiest stations.",
                "status": "in_progress",
                "opened": _day("2026-04-21"),
                "updates": [
                    {"date": _day("2026-06-01"), "status": "in_progress",
                     "note": "The first 12 stations are live."},
                ],
            },
        ),
    ),
    Company(
        slug="teacup-mutual",
        name="Teacup Mutual",
        industry="insurance",
        country="NO",
        description=(
            "Teacup Mutual is a fictional small insurer used as demo data. It publishes so few "
            "responses that most of its scores read \"not enough data\"."
        ),
        cases_per_month=2.2,
        csat=0.7,
        rating_rate=0.27,
        sites=(Site("in-house", repeat=0.15),),
    ),
    Company(
        slug="glowworm-energy",
        name="Glowworm Energy",
        industry="utilities",
        country="DE",
        description=(
            "Glowworm Energy is a fictional electricity and gas supplier used as demo data. It "
            "stopped publishing its feedback in March 2026, so its scores are stale."
        ),
        cases_per_month=220,
        csat=0.66,
        season_peak=1,
        season_amp=0.25,
        pre_sale_share=0.2,
        wait_median=300,
        wait_spread=0.9,
        last_day=date(2026, 3, 18),
        actions=(
            {
                "id": "smart-meter-bills",
                "topic": "meter",
                "you_said": "My bill is an estimate every quarter, and it's wrong.",
                "we_did": "Bills from smart-meter readings, not estimates.",
                "status": "in_progress",
                "opened": _day("2025-06-01"),
                "updates": [
                    {"date": _day("2025-09-10"), "status": "in_progress",
                     "note": "Meter swaps started in the northern region."},
                ],
            },
        ),
    ),
    Company(
        slug="fernhollow",
        name="Fernhollow Credit Union",
        industry="banking",
        country="US",
        description=(
            "Fernhollow Credit Union is a fictional member-owned bank used as demo data: small, "
            "quick to answer and well liked."
        ),
        cases_per_month=170,
        csat=0.9,
        csat_drift=0.02,
        sites=(Site("in-house", repeat=0.1, resolve=0.97),),
        wait_median=35,
        wait_spread=0.7,
        rating_rate=0.45,
        actions=(
            {
                "id": "saturday-phones",
                "topic": "account",
                "you_said": "Nobody answers the phone at weekends.",
                "we_did": "Phone lines open on Saturdays from 9 to 1.",
                "status": "done",
                "opened": _day("2024-12-02"),
                "updates": [
                    {"date": _day("2025-02-01"), "status": "done"},
                ],
            },
            {
                "id": "app-statements",
                "topic": "app",
                "you_said": "I want to download statements as a spreadsheet: yes, all of them.",
                "we_did": "CSV export of any date range in the app.",
                "status": "in_progress",
                "opened": _day("2026-08-03"),
                "updates": [
                    {"date": _day("2026-09-15"), "status": "in_progress",
                     "note": "In testing with 200 members."},
                ],
            },
        ),
    ),
    Company(
        slug="static-and-sons",
        name="Static & Sons Broadband",
        industry="telecom",
        country="GB",
        description=(
            "Static & Sons Broadband is a fictional internet provider used as demo data. "
            "Its phone queues are long, and its scores middling."
        ),
        cases_per_month=250,
        csat=0.6,
        csat_drift=-0.03,
        sites=(Site("in-house", repeat=0.3, resolve=0.82),),
        wait_median=480,
        wait_spread=0.75,
        actions=(
            {
                "id": "callback-queue",
                "topic": "broadband",
                "you_said": "Hold times are over half an hour.",
                "we_did": "Offer a callback instead of holding.",
                "status": "planned",
                "opened": _day("2025-11-03"),
            },
            {
                "id": "order-status-page",
                "topic": "contract",
                "you_said": "Order #4471 took a month to go live and nobody told me why.",
                "we_did": "An order status page with each step of an installation.",
                "status": "planned",
                "opened": _day("2026-07-22"),
            },
        ),
    ),
    Company(
        slug="wanderwomble",
        name="Wanderwomble Travel",
        industry="travel",
        country="ES",
        description=(
            "Wanderwomble Travel is a fictional package-holiday company used as demo data. Its "
            "volume peaks every summer and its service has improved over two years."
        ),
        cases_per_month=190,
        csat=0.6,
        csat_drift=0.18,
        season_peak=7,
        season_amp=0.5,
        pre_sale_share=0.3,
        wait_median=200,
        actions=(
            {
                "id": "refund-tracker",
                "topic": "refund",
                "you_said": "I never know where my refund is.",
                "we_did": "A refund tracker in My Trips, with a date for each step.",
                "status": "done",
                "opened": _day("2025-01-20"),
                "updates": [
                    {"date": _day("2025-03-01"), "status": "in_progress"},
                    {"date": _day("2025-04-28"), "status": "done",
                     "note": "Live for all bookings made since 2024."},
                ],
                "evidence": "https://wanderwomble.example/news/refund-tracker",
            },
            {
                "id": "baggage-claims-online",
                "topic": "baggage",
                "you_said": "Claiming for a lost suitcase means posting paper forms.",
                "we_did": "Baggage claims online, with photos of receipts.",
                "status": "in_progress",
                "opened": _day("2026-02-14"),
                "updates": [
                    {"date": _day("2026-05-05"), "status": "in_progress"},
                ],
            },
        ),
    ),
    Company(
        slug="gizmo-bazaar",
        name="Gizmo Bazaar",
        industry="e-commerce",
        country="FR",
        description=(
            "Gizmo Bazaar is a fictional electronics marketplace used as demo data. It is "
            "growing fast, and its service is slipping as it grows."
        ),
        cases_per_month=170,
        csat=0.84,
        csat_drift=-0.18,
        growth=0.03,
        season_amp=0.2,
        sites=(
            Site("in-house", share=0.7),
            Site("vendor-b", share=0.3, csat_shift=-0.05, wait_factor=1.4, repeat=0.25),
        ),
        wait_median=70,
        actions=(
            {
                "id": "locker-returns",
                "topic": "returns",
                "you_said": "Printing a return label is a hassle: I don't own a printer.",
                "we_did": "QR-code returns at parcel lockers, no printer needed.",
                "status": "done",
                "opened": _day("2025-10-01"),
                "updates": [
                    {"date": _day("2026-01-15"), "status": "done"},
                ],
            },
        ),
    ),
)


# Comments: by topic, then shared ones; sentiment follows the customer's rating.
TOPIC_COMMENTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # topic: (pleased, unhappy)
    "product": (("Good advice on which model to buy.",),
                ("The product page said one thing, the agent another.",)),
    "stock": (("They told me honestly when it would be back in stock.",),
              ("Shown as in stock, then cancelled two days later.",)),
    "payment": (("Payment problem sorted in minutes.",),
                ("Charged twice, and it took a week to get one back.",)),
    "delivery": (("Parcel found and re-sent the same day.",
                  "Arrived a day early, great."),
                 ("Marked as delivered, but nothing came.",
                  "Third missed delivery this month, the driver never knocks.")),
    "refund": (("Refund came through in two days, thank you.",
                "Refund was quick and I didn't have to chase it."),
               ("Still waiting for my refund after three weeks.",
                "They said \"within 5 working days\", it has been 18.")),
    "returns": (("Return label emailed straight away, easy.",),
                ("Returning a faulty item is far too complicated.",)),
    "order": (("Changed my order even though it had shipped.",),
              ("Order cancelled without any explanation.",)),
    "account": (("Account unlocked quickly, friendly agent.",),
                ("Locked out of my account for days.",)),
    "app": (("The app fix they suggested worked.",),
            ("The app keeps crashing and support just says reinstall it.",)),
    "loan": (("Clear explanation of the loan terms, no pressure.",),
             ("Nobody could tell me why my loan application is stuck.",)),
    "mortgage": (("The mortgage adviser was patient with all my questions.",),
                 ("Mortgage offer delayed twice, we nearly lost the house.",)),
    "card": (("New card arrived the next day.",),
             ("Card blocked abroad, and the helpline was closed.",)),
    "fees": (("They refunded the fee as a goodwill gesture.",),
             ("Charged a fee nobody ever told me about.",)),
    "fraud": (("Fraud team acted fast, money back the same day.",),
              ("Reported fraud, and I was passed around four departments.",)),
    "transfer": (("Transfer traced and credited quickly.",),
                 ("Transfer stuck for a week, no one knew where the money was.",)),
    "contract": (("Contract explained clearly, no hidden extras.",),
                 ("Sold a contract that wasn't what I was promised.",)),
    "device": (("Replacement phone sent out quickly.",),
               ("Faulty handset, and repairs take six weeks.",)),
    "broadband": (("Engineer came the next day and fixed the line.",),
                  ("Broadband drops every evening, three engineer visits so far.",)),
    "network": (("Signal problem fixed after a mast repair, thanks for the update.",),
                ("No signal at home for two weeks, still paying full price.",)),
    "billing": (("Billing error corrected and credited.",),
                ("Bill doubled with no explanation.",
                 "Wrong bill again, third time I have called about it.")),
    "roaming": (("Roaming charges reversed without argument.",),
                ("Charged roaming in a country that is in my plan.",)),
    "fare": (("Overcharged fare refunded straight away.",),
             ("Fare was twice the quote, and support ignored me.",)),
    "driver": (("Lovely driver, and support passed on my thanks.",),
               ("Driver was rude and drove dangerously, nothing was done.",)),
    "pickup": (("Support called the driver and sorted the pickup.",),
               ("Driver couldn't find me and I was charged a no-show fee.",)),
    "lost_item": (("Got my wallet back the same evening!",),
                  ("Left my phone in the car, nobody can tell me anything.",)),
    "safety": (("They took my safety report seriously and called back.",),
               ("I reported a safety issue and got an automated reply.",)),
    "tariff": (("Helped me find a cheaper tariff.",),
               ("Switched me to a more expensive tariff without asking.",)),
    "moving_home": (("Moving home was painless, final bill was right.",),
                    ("Still billing me for a flat I moved out of in May.",)),
    "meter": (("Meter reading corrected at once.",),
              ("Estimated bills again, I send readings every month.",)),
    "outage": (("Clear updates during the outage.",),
               ("Power cut for ten hours and no information at all.",)),
    "booking": (("Booking changed free of charge, very helpful.",),
                ("Booking confirmation never arrived.",)),
    "price": (("Price matched without any fuss.",),
              ("Price went up between the quote and paying.",)),
    "cancellation": (("Cancellation handled quickly and kindly.",),
                     ("Flight cancelled, hotel still charged me, nobody helps.",)),
    "baggage": (("Bag delivered to the hotel the next morning.",),
                ("Suitcase lost for nine days, still no compensation.",)),
    "delay": (("Rebooked onto an earlier flight after the delay.",),
              ("Six-hour delay and not even a voucher for water.",)),
    "quote": (("Quick quote, easy to understand.",),
              ("Quote online differs from the one on the phone.",)),
    "policy": (("Policy changed the same day.",),
               ("Policy documents are impossible to understand.",)),
    "claim": (("Claim paid within a week.",),
              ("Claim open for two months, I have sent the same photos three times.",)),
    "renewal": (("Renewal price explained and reduced.",),
                ("Renewal price went up 40%, loyal customers pay more.",)),
}
PLEASED = (
    "Quick and friendly, sorted in one go.",
    "Really helpful, thank you!",
    "Better than I expected.",
    "The agent was patient and explained everything.",
    "Easy, no waiting.",
)
MIXED = (
    "It was fine, but it took longer than it should have.",
    "Sorted in the end, but I had to chase it.",
    "Polite staff, slow process.",
    "OK. Not great, not terrible.",
)
UNHAPPY = (
    "Had to explain my problem three times.",
    "On hold for ages, then cut off.",
    "Nobody called back as promised.",
    "Polite, but nothing actually got fixed.",
    "Passed from one department to another, \"not our team\" every time.",
    "Worst service I've had in years.",
)
# Fake personal data, so the site can show its redaction working.
PERSONAL = (
    "You can reach me at jane.doe@example.com.",
    "Call me back on +44 20 7946 0958, I'm in all day.",
    "My number is 020 7946 0321 if you need it.",
    "Please reply to j.smith@example.org, not the old address.",
    "Card 4111 1111 1111 1111 was charged twice.",
    "Account 12345678, sort code 00-11-22, still shows the old balance.",
    "I live at 42 Acacia Avenue, Springfield, the van has no excuse.",
    "My mobile is +1 555 0100.",
)
SHARE_PERSONAL = 0.03


def write_demo(data_dir: Path, seed: int = 7) -> None:
    """Rewrite data_dir with the demo companies (removes existing company folders in it first)."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    for child in sorted(data_dir.iterdir()):
        if child.is_dir():
            shutil.rmtree(child)
    for company in COMPANIES:
        write_company(data_dir, company, seed)


def write_company(data_dir: Path, company: Company, seed: int = 7) -> int:
    """Write one company's folder (profile, action log, monthly feedback files) under data_dir;
    returns how many contacts it holds. bench/scale.py calls it for its synthetic boards."""
    folder = data_dir / company.slug
    (folder / "feedback").mkdir(parents=True)
    _write_yaml(folder / "company.yaml", _profile(company), seed)
    if company.actions:
        _write_yaml(folder / "actions.yaml", list(company.actions), seed)
    contacts = _contacts(company, random.Random(f"{seed}:{company.slug}"))
    _write_feedback(folder / "feedback", contacts)
    return len(contacts)


def _profile(company: Company) -> dict:
    domain = f"{company.slug}.example"
    return {
        "name": company.name,
        "industry": company.industry,
        "website": f"https://{domain}",
        "country": company.country,
        "description": company.description,
        "contact": f"data@{domain}",
    }


def _months(last_day: date) -> list[date]:
    months, month = [], FIRST_MONTH
    while month <= last_day:
        months.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months


def _epoch(day: date) -> int:
    return calendar.timegm(day.timetuple())


def _stamp(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _count(rng: random.Random, mean: float) -> int:
    """A Poisson-like count, so month volumes wobble in proportion to their size."""
    return max(0, round(rng.gauss(mean, math.sqrt(mean))))


def _contacts(company: Company, rng: random.Random) -> list[dict]:
    """Every contact of the company, oldest first, with ids and case ids assigned."""
    end = _epoch(company.last_day) + DAY
    months = _months(company.last_day)
    topics = TOPICS[company.industry]
    topic_names = sorted({name for weights in topics.values() for name in weights})
    # Every topic gets its own standing quality, so breakdowns by topic differ.
    topic_shift = {name: rng.uniform(-0.06, 0.06) for name in topic_names}
    stage_topics = {
        stage: {name: w * company.topic_boost.get(name, 1.0) for name, w in weights.items()}
        for stage, weights in topics.items()
    }
    span = len(_months(LAST_DAY)) - 1
    cases = []
    for index, month in enumerate(months):
        load = 1 + company.season_amp * math.cos(
            2 * math.pi * (month.month - company.season_peak) / 12)
        full = calendar.monthrange(month.year, month.month)[1]
        # The company's last month may be cut short, and its volume with it.
        days = min(full, (company.last_day - month).days + 1)
        mean = company.cases_per_month * (1 + company.growth) ** index * load * days / full
        for _ in range(_count(rng, mean)):
            start = (_epoch(month) + rng.randrange(days) * DAY
                     + rng.choices(range(24), weights=HOUR_WEIGHTS)[0] * HOUR
                     + rng.randrange(HOUR))
            stage = "pre_sale" if rng.random() < company.pre_sale_share else "post_sale"
            cases.append({
                "start": start,
                "stage": stage,
                "topic": _pick(rng, stage_topics[stage]),
                "site": rng.choices(company.sites, weights=[s.share for s in company.sites])[0],
                "progress": index / span,
                "load": load,
            })
    cases.sort(key=lambda case: case["start"])
    contacts = []
    for number, case in enumerate(cases, start=1):
        contacts.extend(_case_contacts(company, rng, case, f"case-{number:06d}", end,
                                       topic_shift))
    contacts.sort(key=lambda contact: (contact["submitted_at"], contact["case_id"]))
    for number, contact in enumerate(contacts, start=1):
        contact["id"] = f"c{number:06d}"
    return contacts


def _case_contacts(company: Company, rng: random.Random, case: dict, case_id: str, end: int,
                   topic_shift: dict[str, float]) -> list[dict]:
    site: Site = case["site"]
    n_contacts = 1
    while n_contacts < 4 and rng.random() < site.repeat:
        n_contacts += 1
    resolved = rng.random() < site.resolve
    times = [case["start"]]
    for _ in range(n_contacts - 1):
        gap = (rng.randint(20 * 60, 18 * HOUR) if rng.random() < 0.5
               else rng.randint(DAY, 7 * DAY))
        times.append(times[-1] + gap)
    # Contacts after the company's last day have not happened yet: the case stays open.
    kept = [t for t in times if t < end]
    resolved = resolved and len(kept) == n_contacts
    channel = _pick(rng, CHANNELS[company.industry])
    contacts = []
    for position, submitted in enumerate(kept):
        if position and rng.random() < 0.4:
            channel = _pick(rng, CHANNELS[company.industry])
        resolving = resolved and position == len(kept) - 1
        contacts.append(_contact(company, rng, case, case_id, channel, submitted, resolving,
                                 end, topic_shift))
    return contacts


def _contact(company: Company, rng: random.Random, case: dict, case_id: str, channel: str,
             submitted: int, resolving: bool, end: int,
             topic_shift: dict[str, float]) -> dict:
    site: Site = case["site"]
    topic = case["topic"]
    good = _base_csat(company, case, submitted, topic_shift)
    # Being fixed pleases, being passed on does not.
    good += 0.05 if resolving else -0.1
    wait = None
    recorded, factor = WAITS[channel]
    if rng.random() < recorded:
        median = company.wait_median * factor * site.wait_factor * case["load"]
        wait = 0 if rng.random() < 0.03 else int(rng.lognormvariate(math.log(median),
                                                                    company.wait_spread))
        # Long waits sour the rating a little, relative to what is normal for that queue.
        good -= 0.08 * math.log((wait + 60) / (median + 60))
    good = min(0.98, max(0.02, good))
    ratings, weights = GOOD_RATINGS if rng.random() < good else POOR_RATINGS
    felt = rng.choices(ratings, weights=weights)[0]
    resolved_at = None
    if resolving:
        if channel in LIVE_CHANNELS and rng.random() < 0.7:
            delay = rng.randint(60, 30 * 60)
        else:
            delay = rng.randint(HOUR, 3 * DAY)
        resolved_at = _stamp(min(submitted + delay, end - 1))
    comment = _comment(rng, topic, felt) if rng.random() < company.comment_rate else ""
    return {
        "submitted_at": _stamp(submitted),
        "channel": channel,
        "case_id": case_id,
        "stage": case["stage"],
        "topic": topic,
        "site": site.name,
        "rating": felt if rng.random() < company.rating_rate else None,
        "nps": (rng.choices(range(11), weights=NPS_BY_RATING[felt])[0]
                if rng.random() < company.nps_rate else None),
        "wait_seconds": wait,
        "resolved": resolving,
        "resolved_at": resolved_at,
        "comment": comment,
        "comment_public": bool(comment) and rng.random() < 0.5,
    }


def _base_csat(company: Company, case: dict, submitted: int,
               topic_shift: dict[str, float]) -> float:
    """Chance of a rating >= 4 before the contact's own circumstances (wait, fix) count."""
    schedule = company.topic_csat.get(case["topic"])
    if schedule:
        day = _stamp(submitted)[:10]
        return [share for start, share in schedule if start <= day][-1]
    # Busy months stretch the team, so quality dips a little at the seasonal peak.
    return (company.csat + company.csat_drift * case["progress"]
            + company.stage_shift.get(case["stage"], 0.0) + case["site"].csat_shift
            + topic_shift[case["topic"]] - 0.1 * (case["load"] - 1))


def _comment(rng: random.Random, topic: str, felt: int) -> str:
    pleased, unhappy = TOPIC_COMMENTS[topic]
    if felt >= 4:
        pool = pleased + PLEASED
    elif felt == 3:
        pool = MIXED + unhappy
    else:
        pool = unhappy + UNHAPPY
    text = rng.choice(pool)
    if rng.random() < 0.3:
        text = f"{text} {rng.choice(pool)}" if felt != 3 else f"{text} {rng.choice(MIXED)}"
    if rng.random() < SHARE_PERSONAL:
        text = f"{text} {rng.choice(PERSONAL)}"
    return text


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _write_feedback(folder: Path, contacts: list[dict]) -> None:
    by_month: dict[str, list[dict]] = {}
    for contact in contacts:
        by_month.setdefault(contact["submitted_at"][:7], []).append(contact)
    for month, rows in by_month.items():
        with (folder / f"{month}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(COLUMNS)
            writer.writerows([_cell(row[column]) for column in COLUMNS] for row in rows)


# YAML 1.1 reads these plain words as booleans or null; they must be quoted to stay strings.
_YAML11_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"}
_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9 _.,'()/&%+!?@:=-]*")


def _scalar(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    plain = (
        _PLAIN.fullmatch(text)
        and text.lower() not in _YAML11_WORDS
        and ": " not in text
        and not text.endswith((":", " "))
    )
    # A JSON string is a valid YAML double-quoted scalar.
    return text if plain else json.dumps(text, ensure_ascii=False)


def _yaml_lines(value: object, indent: str) -> list[str]:
    if isinstance(value, dict):
        lines = []
        for key, item in value.items():
            if isinstance(item, list):
                lines.append(f"{indent}{key}:")
                lines.extend(_yaml_lines(item, indent + "  "))
            else:
                lines.append(f"{indent}{key}: {_scalar(item)}")
        return lines
    if isinstance(value, list):
        lines = []
        for item in value:
            nested = _yaml_lines(item, indent + "  ")
            lines.append(f"{indent}- {nested[0].lstrip()}")
            lines.extend(nested[1:])
        return lines
    return [f"{indent}{_scalar(value)}"]


def _write_yaml(path: Path, document: object, seed: int) -> None:
    header = f"# Fictional demo data, generated by scoring/demo.py (seed {seed}).\n"
    body = "\n".join(_yaml_lines(document, "")) + "\n"
    path.write_text(header + body, encoding="utf-8", newline="\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data_dir", nargs="?", default="data", type=Path)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    write_demo(args.data_dir, args.seed)


if __name__ == "__main__":
    main()
