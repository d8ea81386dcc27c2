"""Demo Solutions Center: a few real-sounding articles per platform, staff runbooks, and the
plan's public information (FAQ, privacy notice, CPNI notice, terms). Written through the
Solutions Center's actions; idempotent (an article whose title exists is left alone)."""

from __future__ import annotations

from typing import Any

from casedesk.core import clock
from casedesk.solutions import actions
from casedesk.solutions.models import Article, Category

CATEGORIES = [
    (
        "public-information",
        "Public information",
        "The support plan's notices, terms and frequently asked questions.",
        10,
    ),
    ("hosted-voice", "Hosted Voice", "Desk phones, voicemail, call handling and numbers.", 20),
    (
        "teams",
        "Microsoft Teams / Operator Connect",
        "Calling in Teams through our Operator Connect service.",
        30,
    ),
    ("webex", "Cisco Webex and Jabber", "Webex Calling, Webex App and Jabber clients.", 40),
    ("contact-centre", "Contact Centre", "Queues, agents, supervisors and reports.", 50),
    ("circuits", "Network circuits", "Internet access, SIP trunks and on-site network equipment.", 60),
    (
        "self-administration",
        "Self-administration (MACD)",
        "Moves, adds, changes and deletes you can do yourself.",
        70,
    ),
    ("staff-runbooks", "Staff runbooks", "For support staff only.", 90),
]

# (category, platform code or "", audience, title, summary, body)
ARTICLES: list[tuple[str, str, str, str, str, str]] = [
    ("hosted-voice", "hosted-voice", "public", "Reset your voicemail PIN",
     "Forgotten the PIN of your mailbox? Set a new one in a minute.",
     "## From your desk phone\n\n1. Press **Messages**.\n2. When asked for the PIN, press `*` then `#`.\n"
     "3. Follow the prompts to set a new PIN of 6 to 10 digits.\n\n## From the portal\n\n"
     "An administrator opens **Users → Voicemail** and chooses *Reset PIN*; the user is asked for a new "
     "PIN at the next call to the mailbox.\n\nA PIN cannot repeat one digit or be a run such as 123456."),
    ("hosted-voice", "hosted-voice", "customers", "Desk phone shows No Service or is not registering",
     "When a handset shows No Service, check power, network and the phone's registration.",
     "A phone that shows **No Service** has lost its registration with the platform.\n\n"
     "1. Check the network cable is in the port marked *LAN* (not *PC*).\n"
     "2. Restart the phone: unplug power (or the network cable for PoE) for 10 seconds.\n"
     "3. If several phones at one site show it at once, check the site's internet access; that is a "
     "Priority 1 or 2: **call support**.\n\nOne phone still not registering after a restart is a Priority 3: "
     "open a case with the phone's MAC address (on the label underneath)."),
    ("hosted-voice", "hosted-voice", "customers", "Set up call forwarding",
     "Forward your calls to another number always, when busy or when not answered.",
     "## On the phone\n\nPress **Forward**, enter the number with its area code and press *Enable*.\n\n"
     "## In the user portal\n\nOpen **Call settings → Call forwarding**: choose *Always*, *Busy* or "
     "*No answer* (with the number of rings) and the destination.\n\nForwarding to an international "
     "number needs international calling enabled on the user's licence."),
    ("hosted-voice", "hosted-voice", "public", "Change your voicemail greeting",
     "Record a personal, busy or extended-absence greeting.",
     "Call your mailbox, press **3** for personal options, then **1** for greetings. Record after the "
     "tone and press `#`. An extended-absence greeting plays instead of the others until you turn it off."),
    ("teams", "teams-operator-connect", "customers", "Assign a phone number to a Teams user",
     "Operator Connect numbers appear in the Teams admin centre once we have provisioned them.",
     "1. In the **Teams admin centre** open *Voice → Phone numbers*.\n2. Choose a number of the type "
     "*User (subscriber)* and **Assign**.\n3. Pick the user and their emergency location.\n\n"
     "The user needs a Teams Phone licence. Allow up to 15 minutes before the dial pad appears in "
     "the client."),
    ("teams", "teams-operator-connect", "customers", "Teams calls drop after 30 seconds",
     "One-way audio or a drop after about 30 seconds points at the firewall.",
     "Calls that connect and then drop after roughly 30 seconds usually mean the media ports are blocked.\n\n"
     "Allow UDP 3478-3481 and 49152-53247 to Microsoft's media relays, and do not inspect or shorten "
     "UDP sessions on the firewall. If only calls to the public network drop, open a case: it may be on "
     "our side of Operator Connect."),
    ("webex", "webex", "public", "Sign in to Jabber for the first time",
     "Your e-mail address, then your company's single sign-on.",
     "Open Jabber and enter your work e-mail address. Jabber finds your company's service and sends you "
     "to the single sign-on page. After signing in, allow Jabber to use the microphone and camera.\n\n"
     "If Jabber says it cannot find your services, ask your main point of contact to check that your "
     "account is enabled for Jabber."),
    ("webex", "webex", "customers", "Webex App shows presence as Unavailable",
     "Presence wrong for many users is a Priority 3; for one user, try these steps first.",
     "1. Sign out of the Webex App and sign in again.\n2. Check the calendar integration under "
     "*Settings → Calendar*.\n3. Check the device's clock is right.\n\nIf presence is wrong for many users "
     "at once, open a case: it is a Priority 3 (impairment for multiple users)."),
    ("contact-centre", "contact-centre", "customers", "Add an agent to a queue",
     "Agents take calls of the queues they belong to, by skill.",
     "In the supervisor portal open **Queues**, choose the queue and *Agents → Add*. Set the agent's skill "
     "level (1-10); higher levels get calls first. The change applies at the agent's next login."),
    ("contact-centre", "contact-centre", "customers", "Export last month's queue report",
     "Service level, abandoned calls and handle times per queue as CSV.",
     "Open **Reports → Queue performance**, choose the period *Last month* and the queues, then *Export "
     "CSV*. Times are in your organisation's time zone."),
    ("circuits", "circuits", "public", "Reading the lights on your router",
     "What the status lights on the provider's router mean.",
     "| Light | Colour | Meaning |\n|---|---|---|\n| Power | green | on |\n| WAN | green | circuit up |\n"
     "| WAN | red | circuit down: call support (Priority 1 if the whole site is down) |\n| LAN | flashing | "
     "traffic |\n\nDo not reset the router to factory settings: its configuration is kept by us."),
    ("circuits", "circuits", "customers", "Run a speed test the way support will ask",
     "A wired test from the router's LAN port gives numbers support can compare.",
     "Connect a laptop by cable to a LAN port of the router, close other applications and run the test "
     "three times. Send the three results with the time of each in the case."),
    ("self-administration", "hosted-voice", "customers", "Add a new user (self-administration)",
     "Create the user, give them a number and a device; no case needed.",
     "1. **Users → Add user**: name, e-mail and licence.\n2. **Numbers**: assign a free number or port one.\n"
     "3. **Devices**: add the phone by MAC address.\n\nWhen support does a MACD for you it is billed as a "
     "provisioning fee of $100 an hour in 15-minute increments."),
    ("self-administration", "hosted-voice", "customers", "Move a phone to another desk or site",
     "Change the user's emergency address when a phone moves.",
     "Plug the phone in at its new desk. If it moves to another site, update the **emergency address** "
     "under *Users → Emergency location* before the first call: emergency services are sent there."),
    ("staff-runbooks", "hosted-voice", "staff", "Runbook: mass registration failures on Hosted Voice",
     "Checks before raising a master case.",
     "1. Check the SBC dashboard for the registration graph.\n2. Two or more organisations affected: "
     "create a master case (Priority 1G) and post the first public update.\n3. Page the on-call "
     "manager out of "
     "hours.\n\nInternal only: do not link this article in replies."),
    ("staff-runbooks", "teams-operator-connect", "staff", "Runbook: Operator Connect number sync stuck",
     "When numbers do not appear in a tenant's admin centre.",
     "Re-run the number upload for the tenant from the provisioning tool and check the API log for "
     "HTTP 429 answers. Tell the customer numbers appear within 15 minutes of a successful upload."),
    ("public-information", "", "public", "Frequently asked questions",
     "Hours, priorities, who may open cases and how to escalate.",
     "## Who can open a case?\n\nOnly your organisation's main points of contact (MPOCs). Other users report "
     "to them.\n\n## How fast will you answer?\n\nSee [priorities and targets](/plan/priorities/).\n\n"
     "## Something is down. What do I do?\n\nCall support or use the chat: both are the fastest ways in "
     "for high-priority issues. Check the [Network Status page](/status/) too.\n\n## Can I reopen a closed "
     "case?\n\nWithin 7 days of its closure, yes. After that we open a new case and relate it."),
    ("public-information", "", "public", "Privacy notice",
     "What personal data we keep to support you, and your rights (CCPA).",
     "We keep the names, titles, phone numbers and e-mail addresses of your contacts, and what you write "
     "in cases, to provide support. We do not sell personal information.\n\nYou may ask to **see, export "
     "or delete** the personal data we hold about you: ask your main point of contact to open a case. "
     "We answer within 45 days."),
    ("public-information", "", "public", "CPNI notice",
     "How we protect customer proprietary network information.",
     "Customer proprietary network information (CPNI) includes the services you buy and the details of "
     "your calls. We disclose account and call details **only to authenticated, authorised contacts** of "
     "your organisation, and we tell your organisation when account details change."),
    ("public-information", "", "public", "Terms of support",
     "The terms the Client Support Plan is provided under.",
     "Support is provided as described in the Client Support Plan. Targets are measured as described on "
     "the plan pages; an alternative agreement may set other targets for your organisation. Work done at "
     "your request that is self-administration (MACD) is billed as a provisioning fee."),
]  # fmt: skip


# The how-to guide of MACD change types, by the article's title.
GUIDES: dict[str, list[str]] = {
    "Add a new user (self-administration)": ["seat:add", "licence:add"],
    "Move a phone to another desk or site": ["device:move", "seat:move"],
    "Assign a phone number to a Teams user": ["number:add"],
    "Add an agent to a queue": ["feature:change"],
}


def seed(editor: Any, platforms: dict[str, Any]) -> None:
    categories = {}
    for slug, name, description, position in CATEGORIES:
        categories[slug], _ = Category.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description, "position": position}
        )
    existing = set(Article.objects.values_list("title", flat=True))
    for slug, platform, audience, title, summary, body in ARTICLES:
        if title in existing:
            continue
        actions.save_article(
            by=editor,
            title=title,
            summary=summary,
            body=body,
            category=categories[slug],
            audience=audience,
            platforms=[platforms[platform]] if platform else [],
            publish_at=clock.now(),
            change_types=GUIDES.get(title, []),
        )
