#!/usr/bin/env python3
"""make-corpus.py: writes tests/bounce-corpus/, bounces in the shapes that
mail systems really send, written here (not copied from any corpus).

Each case is NAME.eml (an RFC 5322 message as it reaches LIST-bounces@)
and NAME.expect ("address kind" per failed recipient, kind permanent,
temporary or delayed; empty for mail that is no bounce). NAME starts
with the family (the MTA or provider whose shape it has). The files are
checked in; this script is how they were written, and is re-run only to
change the corpus on purpose:  python3 tests/bounce-corpus/make-corpus.py
"""
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
R = random.Random(12)
LIST = "lists.example.org"
SENDER = "digest-bounces@" + LIST

FIRST = ["anna", "bjorn", "carla", "deepak", "elif", "farid", "greta", "hiro",
         "ines", "jakub", "kemal", "lena", "mateo", "nadia", "oskar", "priya",
         "quentin", "rosa", "sven", "tomas", "ulla", "vera", "wei", "ximena",
         "yusuf", "zofia", "amir", "bea", "chen", "dora"]
LAST = ["berg", "costa", "dubois", "eriksen", "fischer", "garcia", "haddad",
        "ito", "jansen", "kowalski", "lindqvist", "moreau", "novak", "okafor",
        "petrov", "quinn", "rossi", "sato", "tanaka", "ueda", "varga", "weber"]
DOMS = ["uni-example.de", "lab.example.edu", "example.fr", "mail.example.nl",
        "cs.example.ac.uk", "example.se", "research.example.com",
        "example.co.jp", "inst.example.it", "example.pl", "example.com.br",
        "campus.example.ca"]
counter = [0]


def addr(dom=None, style=None):
    f, l = R.choice(FIRST), R.choice(LAST)
    local = (style or R.choice(["{f}.{l}", "{f}", "{f}{l}", "{f0}{l}",
                                "{f}_{l}", "{l}.{f}"])).format(
        f=f, l=l, f0=f[0])
    return local + "@" + (dom or R.choice(DOMS))


def date():
    d = R.randint(1, 27)
    h, m, s = R.randint(0, 23), R.randint(0, 59), R.randint(0, 59)
    wd = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][d % 7]
    return "%s, %d Mar 2026 %02d:%02d:%02d +0000" % (wd, d, h, m, s)


def qid(n=10):
    return "".join(R.choice("0123456789ABCDEF") for _ in range(n))


def ours(rcpt, kind="digest"):
    """The headers and start of the message we sent: a digest to rcpt."""
    counter[0] += 1
    sub = R.randint(2, 4000)
    if kind == "digest":
        mid = "digest.2026%02d.%d@%s" % (R.randint(9, 12), sub, LIST)
    else:
        mid = "confirm.%d.17%08d@%s" % (sub, R.randint(0, 99999999), LIST)
    return mid, (
        "Return-Path: <%s>\n"
        "Received: from lists.example.org (lists.example.org [192.0.2.7])\n"
        "\tby relay.example.net with ESMTPS id %s\n"
        "\tfor <%s>; %s\n"
        "From: ShortScience digest <digest@%s>\n"
        "To: %s\n"
        "Subject: Your weekly ShortScience digest: 6 new summaries\n"
        "Date: %s\n"
        "Message-ID: <%s>\n"
        "MIME-Version: 1.0\n"
        "List-Id: ShortScience digest <digest.%s>\n"
        "List-Unsubscribe: <https://%s/u/x>, <mailto:digest+unsub-abc@%s>\n"
        "Auto-Submitted: auto-generated\n"
        "Precedence: list\n"
        "Content-Type: multipart/alternative; boundary=\"=_sm_1\"\n"
        % (SENDER, qid(), rcpt, date(), LIST, rcpt, date(), mid, LIST, LIST,
           LIST), "--=_sm_1\nContent-Type: text/plain; charset=utf-8\n\n"
        "Hello, here are this week's summaries for your keywords.\n\n"
        "1. Batch Normalization: Accelerating Deep Network Training\n"
        "   Summary by joecohen, 12 votes\n--=_sm_1--\n")


def host_of(frm):
    return frm.split("@")[-1].split(">")[0].split(" ")[0]


def hdr(frm, subject, extra="", to=SENDER, mid=None, ctype=None):
    h = "Return-Path: <>\nReceived: from localhost by %s; %s\n" % (
        host_of(frm), date())
    h += "From: %s\nTo: %s\nSubject: %s\nDate: %s\n" % (frm, to, subject,
                                                        date())
    h += "Message-ID: <%s>\n" % (mid or "%s@%s" % (qid(14), host_of(frm)))
    h += extra
    if ctype:
        h += "MIME-Version: 1.0\nContent-Type: %s\n" % ctype
    return h


def plain(frm, subject, body, extra=""):
    return hdr(frm, subject, extra,
               ctype="text/plain; charset=us-ascii") + "\n" + body


def report(frm, subject, text, dsn, returned, extra="", headers_only=False,
           upper=False, ctype_text="text/plain; charset=us-ascii"):
    b = "=_%s" % qid(12)
    rt = "MULTIPART/REPORT; REPORT-TYPE=DELIVERY-STATUS" if upper else \
        "multipart/report; report-type=delivery-status"
    out = hdr(frm, subject, extra, ctype='%s;\n\tboundary="%s"' % (rt, b))
    out += "\nThis is a MIME-encapsulated message.\n\n--%s\n" % b
    out += "Content-Type: %s\n\n%s\n" % (ctype_text, text)
    if dsn is not None:
        out += "--%s\nContent-Type: %s\n\n%s\n" % (
            b, "MESSAGE/DELIVERY-STATUS" if upper else
            "message/delivery-status", dsn)
    if returned is not None:
        mid, (head, body) = returned
        if headers_only:
            out += "--%s\nContent-Type: text/rfc822-headers\n\n%s\n" % (b,
                                                                        head)
        else:
            out += "--%s\nContent-Type: message/rfc822\n\n%s\n%s\n" % (
                b, head, body)
    return out + "--%s--\n" % b


def mixed(frm, subject, text, returned, extra="", more=""):
    b = "----=_Part_%s" % qid(8)
    out = hdr(frm, subject, extra,
              ctype='multipart/mixed; boundary="%s"' % b)
    out += "\n--%s\nContent-Type: text/plain; charset=us-ascii\n\n%s\n" % (
        b, text)
    out += more.replace("BOUNDARY", b)
    if returned is not None:
        head, body = returned[1]
        out += "--%s\nContent-Type: message/rfc822\n\n%s\n%s\n" % (b, head,
                                                                   body)
    return out + "--%s--\n" % b


def inline_copy(returned):
    head, body = returned[1]
    head = head.replace('multipart/alternative; boundary="=_sm_1"',
                        "text/plain; charset=utf-8")
    return head + "\n" + body.split("\n\n", 1)[1].replace("--=_sm_1--", "")


def dsn_fields(mta, groups, arrival=True, upper=False):
    out = "Reporting-MTA: dns; %s\n" % mta
    out += "X-Postfix-Queue-ID: %s\n" % qid() if "postfix" in mta else ""
    if arrival:
        out += "Arrival-Date: %s\n" % date()
    for g in groups:
        out += "\n"
        for k, v in g:
            if upper:
                k = k.upper() if k in ("Action", "Status") else k[0] + \
                    k[1:].lower()
            out += "%s: %s\n" % (k, v)
    return out


cases = []


def case(family, eml, expect):
    n = sum(1 for c in cases if c[0].startswith(family + "-")) + 1
    cases.append(("%s-%02d" % (family, n), eml,
                  "".join("%s %s\n" % e for e in expect)))


# ---------------------------------------------------------------- Postfix
def postfix_reason(a, kind):
    host = "mx%d.%s" % (R.randint(1, 3), a.split("@")[1])
    ip = "203.0.113.%d" % R.randint(2, 250)
    if kind == "unknown":
        return ("host %s[%s] said: 550 5.1.1 <%s>: Recipient address "
                "rejected: User unknown in virtual mailbox table (in reply to "
                "RCPT TO command)" % (host, ip, a), "5.1.1", "permanent")
    if kind == "local":
        return ("unknown user: \"%s\"" % a.split("@")[0], "5.1.1",
                "permanent")
    if kind == "quota":
        return ("host %s[%s] said: 552 5.2.2 <%s>: Mailbox full (in reply "
                "to RCPT TO command)" % (host, ip, a), "5.2.2", "permanent")
    if kind == "nohost":
        return ("Host or domain name not found. Name service error for "
                "name=%s type=A: Host not found" % a.split("@")[1], "5.4.4",
                "permanent")
    if kind == "gmail":
        return ("host gmail-smtp-in.l.google.com[142.250.1.27] said: "
                "550-5.1.1 The email account that you tried to reach does "
                "not exist. Please try double-checking the recipient's email "
                "address for typos or unnecessary spaces. For more "
                "information, go to 550 5.1.1 "
                "https://support.google.com/mail/?p=NoSuchUser "
                "a1si123456wrb.5 - gsmtp (in reply to RCPT TO command)",
                "5.1.1", "permanent")
    if kind == "expired":
        return ("delivery temporarily suspended: connect to %s[%s]:25: "
                "Connection timed out" % (host, ip), "4.4.1", "temporary")
    if kind == "tempquota":
        return ("host %s[%s] said: 452 4.2.2 <%s>: Mailbox is over quota "
                "(in reply to RCPT TO command)" % (host, ip, a), "4.2.2",
                "temporary")
    if kind == "spam":
        return ("host %s[%s] said: 554 5.7.1 Service unavailable; Client "
                "host [192.0.2.7] blocked using zen.example.org (in reply to "
                "RCPT TO command)" % (host, ip), "5.7.1", "permanent")
    raise ValueError(kind)


def wrap(s, width=72, indent="    "):
    words, lines, cur = s.split(" "), [], ""
    for w in words:
        if cur and len(cur) + 1 + len(w) > width:
            lines.append(cur)
            cur = indent + w
        else:
            cur = cur + " " + w if cur else w
    lines.append(cur)
    return "\n".join(lines)


def postfix(kinds, dsn=True, delay=False, headers_only=False, upper=False,
            old=False):
    mta = R.choice(["mail.example.net", "smtp2.example.com",
                    "postfix.example.org"])
    rcpts = [(addr(), k) for k in kinds]
    returned = ours(rcpts[0][0])
    if delay:
        text = ("This is the mail system at host %s.\n\n"
                "####################################################"
                "################\n"
                "# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR "
                "MESSAGE. #\n"
                "####################################################"
                "################\n\n"
                "Your message could not be delivered for more than 4 "
                "hour(s).\nIt will be retried until it is 5 day(s) old.\n\n"
                "For further assistance, please send mail to postmaster.\n\n"
                "If you do so, please include this problem report. You can\n"
                "delete your own text from the attached returned message.\n\n"
                "                   The mail system\n\n" % mta)
    else:
        text = ("This is the %s at host %s.\n\n"
                "I'm sorry to have to inform you that your message could "
                "not\nbe delivered to one or more recipients. It's attached "
                "below.\n\nFor further assistance, please send mail to "
                "postmaster.\n\nIf you do so, please include this problem "
                "report. You can\ndelete your own text from the attached "
                "returned message.\n\n                   The mail system\n\n"
                % ("Postfix program" if old else "mail system", mta))
    groups, exp = [], []
    for a, k in rcpts:
        reason, st, kind = postfix_reason(a, k)
        if delay:
            kind = "delayed"
            st = "4.4.1"
        text += wrap("<%s>: %s" % (a, reason)) + "\n\n"
        exp.append((a, kind))
        act = "delayed" if delay else "failed"
        g = [("Final-Recipient", "rfc822; " + a),
             ("Original-Recipient", "rfc822;" + a), ("Action", act),
             ("Status", st)]
        if "host " in reason and "said:" in reason:
            g.append(("Remote-MTA", "dns; " + reason.split()[1].split("[")[0]))
            g.append(("Diagnostic-Code", "smtp; " + wrap(
                reason.split("said: ", 1)[1], 70, "    ")))
        else:
            g.append(("Diagnostic-Code", "X-Postfix; " + reason))
        groups.append(g)
    subject = "Delayed Mail (still being retried)" if delay else \
        "Undelivered Mail Returned to Sender"
    frm = "MAILER-DAEMON@%s (Mail Delivery System)" % mta
    extra = "Auto-Submitted: auto-replied\n"
    if not dsn:
        body = text + "--- Below this line is a copy of the message.\n\n" + \
            inline_copy(returned)
        return plain(frm, subject, body, extra), exp
    return report(frm, subject, text.rstrip() + "\n",
                  dsn_fields(mta, groups,
                             upper=upper),
                  returned, extra, headers_only, upper), exp


for ks, kw in [(["unknown"], {}), (["unknown"], {"dsn": False}),
               (["quota"], {}), (["nohost"], {}), (["gmail"], {}),
               (["unknown", "local"], {}), (["expired"], {}),
               (["tempquota"], {"dsn": False}), (["spam"], {}),
               (["unknown"], {"delay": True}), (["expired"], {"delay": True,
                                                             "dsn": False}),
               (["unknown"], {"headers_only": True}),
               (["unknown", "quota", "nohost"], {}),
               (["unknown"], {"upper": True}), (["local"], {"old": True,
                                                          "dsn": False})]:
    case("postfix", *postfix(ks, **kw))


# ---------------------------------------------------------------- Exim
def exim(kind, n=1, dsn=False):
    mta = R.choice(["smtp.example.de", "mx.example.at", "mail.example.ch"])
    rcpts = [addr() for _ in range(n)]
    returned = ours(rcpts[0])
    exp = []
    if kind == "delay":
        subject = "Warning: message %s-%s-%s delayed 24 hours" % (
            qid(6), qid(6), qid(2))
        body = ("This message was created automatically by mail delivery "
                "software.\nA message that you sent has not yet been "
                "delivered to one or more of its\nrecipients after more "
                "than 24 hours on the queue on %s.\n\n"
                "The message identifier is:     %s-%s-%s\n"
                "The subject of the message is: Your weekly ShortScience "
                "digest\nThe date of the message is:    %s\n\n"
                "The address%s to which the message has not yet been "
                "delivered %s:\n\n" % (mta, qid(6), qid(6), qid(2), date(),
                                        "es" if n > 1 else "",
                                        "are" if n > 1 else "is"))
        for a in rcpts:
            body += "  %s\n    Delay reason: SMTP error from remote mail " \
                "server after RCPT TO:<%s>:\n    451 4.7.1 Greylisted, " \
                "please try again later\n\n" % (a, a)
            exp.append((a, "delayed"))
        body += ("No action is required on your part. Delivery attempts "
                 "will continue for\nsome time, and this warning may be "
                 "repeated at intervals if the message\nremains "
                 "undelivered. Eventually the mail delivery software will "
                 "give up,\nand when that happens, the message will be "
                 "returned to you.\n")
        return plain("Mail Delivery System <Mailer-Daemon@%s>" % mta,
                     subject, body, "Auto-Submitted: auto-replied\n"), exp
    text = ("This message was created automatically by mail delivery "
            "software.\n\nA message that you sent could not be delivered "
            "to one or more of its\nrecipients. This is a permanent error. "
            "The following address(es) failed:\n\n")
    failed = []
    for i, a in enumerate(rcpts):
        k = kind if kind != "mix" else ["unknown", "retry", "full"][i % 3]
        if k == "unknown":
            text += ("  %s\n    host %s [198.51.100.%d]\n    SMTP error "
                     "from remote mail server after RCPT TO:<%s>:\n    550 "
                     "5.1.1 <%s>: Recipient address rejected: User unknown\n"
                     "\n" % (a, "mx." + a.split("@")[1], R.randint(2, 250),
                             a, a))
            exp.append((a, "permanent"))
        elif k == "retry":
            text += ("  %s\n    retry timeout exceeded\n\n" % a) if i % 2 \
                else ("  %s\n    all hosts for '%s' have been failing for "
                      "a long time (and retry time not reached)\n\n"
                      % (a, a.split("@")[1]))
            exp.append((a, "permanent"))
        elif k == "full":
            text += ("  %s\n    host %s [198.51.100.%d]\n    SMTP error "
                     "from remote mail server after end of data:\n    552 "
                     "5.2.2 The email account that you tried to reach is "
                     "over quota\n\n" % (a, "mx." + a.split("@")[1],
                                          R.randint(2, 250)))
            exp.append((a, "permanent"))
        elif k == "local":
            text += "  %s\n    Unrouteable address\n\n" % a
            exp.append((a, "permanent"))
        elif k == "pipe":
            text += ("  pipe to |/usr/local/bin/procmail\n    generated by "
                     "%s\n    Child process of local_delivery transport "
                     "returned 75 (could mean temporary error) from "
                     "command: /usr/local/bin/procmail\n\n" % a)
            exp.append((a, "temporary"))
        failed.append(a)
    extra = "X-Failed-Recipients: %s\nAuto-Submitted: auto-replied\n" % \
        ", ".join(failed)
    frm = "Mail Delivery System <Mailer-Daemon@%s>" % mta
    subj = "Mail delivery failed: returning message to sender"
    if dsn:
        groups = [[("Action", "failed"), ("Final-Recipient", "rfc822;" + a),
                   ("Status", "5.0.0" if e[1] == "permanent" else "4.0.0")]
                  for a, e in zip(rcpts, exp)]
        return report(frm, subj, text.rstrip() + "\n",
                      dsn_fields(mta, groups, arrival=False), returned,
                      extra), exp
    text += ("------ This is a copy of the message, including all the "
             "headers. ------\n\n" + inline_copy(returned))
    return plain(frm, subj, text, extra), exp


for k, n, d in [("unknown", 1, False), ("unknown", 2, False),
                ("retry", 1, False), ("retry", 2, False), ("full", 1, False),
                ("local", 1, False), ("mix", 3, False), ("unknown", 1, True),
                ("retry", 1, True), ("delay", 1, False), ("delay", 2, False),
                ("full", 2, True)]:
    case("exim", *exim(k, n, d))


# ---------------------------------------------------------------- Sendmail
def sendmail(kind, old=False, n=1):
    mta = R.choice(["mail.example.edu", "smtp.cs.example.edu",
                    "mx.example.org"])
    rcpts = [addr() for _ in range(n)]
    returned = ours(rcpts[0])
    fq = "%s%06d" % (qid(8).lower(), R.randint(0, 999999))
    exp = []
    if kind == "warn":
        subj = "Warning: could not send message for past 4 hours"
        text = ("    **********************************************\n"
                "    **      THIS IS A WARNING MESSAGE ONLY      **\n"
                "    **  YOU DO NOT NEED TO RESEND YOUR MESSAGE  **\n"
                "    **********************************************\n\n"
                "The original message was received at %s\nfrom "
                "lists.example.org [192.0.2.7]\n\n   ----- Transcript of "
                "session follows -----\n" % date())
        for a in rcpts:
            text += "<%s>... Deferred: Connection timed out with %s.\n" % (
                a, "mx." + a.split("@")[1])
            exp.append((a, "delayed"))
        text += ("Warning: message still undelivered after 4 hours\nWill "
                 "keep trying until message is 5 days old\n")
        groups = [[("Final-Recipient", "RFC822; " + a), ("Action", "delayed"),
                   ("Status", "4.4.1"),
                   ("Last-Attempt-Date", date())] for a in rcpts]
    else:
        subj = "Returned mail: see transcript for details"
        text = ("The original message was received at %s\nfrom "
                "lists.example.org [192.0.2.7]\n\n   ----- The following "
                "addresses had permanent fatal errors -----\n" % date())
        for a in rcpts:
            text += "<%s>\n    (reason: 550 5.1.1 <%s>... User unknown)\n" \
                % (a, a) if kind == "unknown" else \
                "<%s>\n    (reason: 552 5.2.2 Mailbox full)\n" % a
        text += "\n   ----- Transcript of session follows -----\n"
        for a in rcpts:
            if kind == "unknown":
                text += ("... while talking to %s.:\n>>> DATA\n<<< 550 5.1.1 "
                         "<%s>... User unknown\n550 5.1.1 %s... User "
                         "unknown\n" % ("mx." + a.split("@")[1], a, a))
            else:
                text += ("... while talking to %s.:\n>>> DATA\n<<< 552 5.2.2 "
                         "Mailbox full\n554 5.0.0 Service unavailable\n" %
                         ("mx." + a.split("@")[1]))
            exp.append((a, "permanent"))
        groups = [[("Final-Recipient", "RFC822; " + a), ("Action", "failed"),
                   ("Status", "5.1.1" if kind == "unknown" else "5.2.2"),
                   ("Remote-MTA", "DNS; mx." + a.split("@")[1]),
                   ("Diagnostic-Code", "SMTP; 550 5.1.1 <%s>... User unknown"
                    % a if kind == "unknown" else "SMTP; 552 5.2.2 Mailbox "
                    "full"), ("Last-Attempt-Date", date())] for a in rcpts]
    frm = "Mail Delivery Subsystem <MAILER-DAEMON@%s>" % mta
    if old:
        body = text + "\n   ----- Unsent message follows -----\n" + \
            inline_copy(returned)
        return plain(frm, subj, body), exp
    return report(frm, subj, text,
                  "Reporting-MTA: dns; %s\nReceived-From-MTA: DNS; "
                  "lists.example.org\nArrival-Date: %s\n\n" % (mta, date()) +
                  "\n".join("\n".join("%s: %s" % kv for kv in g) + "\n"
                            for g in groups), returned, "",
                  headers_only=R.random() < 0.5), exp


for k, o, n in [("unknown", False, 1), ("unknown", True, 1),
                ("full", False, 1), ("unknown", False, 2), ("warn", False, 1),
                ("unknown", True, 2), ("full", True, 1), ("warn", False, 2)]:
    case("sendmail", *sendmail(k, o, n))


# ---------------------------------------------------------------- qmail
def qmail(kinds, vpop=False):
    mta = R.choice(["mail.example.com", "qmail.example.net"])
    rcpts = [(addr(), k) for k in kinds]
    returned = ours(rcpts[0][0])
    text = ("Hi. This is the qmail-send program at %s.\nI'm afraid I wasn't "
            "able to deliver your message to the following addresses.\nThis "
            "is a permanent error; I've given up. Sorry it didn't work "
            "out.\n\n" % mta)
    exp = []
    for a, k in rcpts:
        if k == "unknown":
            text += "<%s>:\nSorry, no mailbox here by that name. (#5.1.1)\n\n" % a
        elif k == "remote":
            text += ("<%s>:\n198.51.100.%d does not like recipient.\nRemote "
                     "host said: 550 5.1.1 User unknown\nGiving up on "
                     "198.51.100.9.\n\n" % (a, R.randint(2, 250)))
        elif k == "vpop":
            text += "<%s>:\nThis address no longer accepts mail.\n\n" % a
        elif k == "quota":
            text += ("<%s>:\nThe users mailfolder is over the allowed quota "
                     "(size). (#5.2.2)\n\n" % a)
        elif k == "nohost":
            text += ("<%s>:\nSorry, I couldn't find any host named %s. "
                     "(#5.1.2)\n\n" % (a, a.split("@")[1]))
        exp.append((a, "permanent"))
    text += "--- Below this line is a copy of the message.\n\n" + \
        inline_copy(returned)
    return plain("MAILER-DAEMON@%s" % mta, "failure notice", text), exp


for ks in [["unknown"], ["remote"], ["vpop"], ["quota"], ["nohost"],
           ["unknown", "remote"]]:
    case("qmail", *qmail(ks))


# ---------------------------------------------------------------- Courier
def courier(n=1, delay=False):
    mta = R.choice(["mail.example.net", "courier.example.org"])
    rcpts = [addr() for _ in range(n)]
    returned = ours(rcpts[0])
    text = ("This is a delivery status notification from %s,\nrunning the "
            "Courier mail server, version 1.1.8.\n\nThe original message "
            "was received on %s\nfrom lists.example.org (lists.example.org "
            "[192.0.2.7])\n\n" % (mta, date()))
    if delay:
        text += ("                        -----------------------\n"
                 "                        DELAYED DELIVERY\n"
                 "                        -----------------------\n\n"
                 "Your message has not yet been delivered to the following "
                 "recipients.\nThe mail server will continue attempting "
                 "to deliver it.\n\n")
    else:
        text += ("                        ---------------------------\n"
                 "                        UNDELIVERABLE MAIL\n"
                 "                        ---------------------------\n\n"
                 "Your message to the following recipients cannot be "
                 "delivered:\n\n")
    exp = []
    groups = []
    for a in rcpts:
        h = "mx." + a.split("@")[1]
        if delay:
            text += ("<%s>:\n    %s [198.51.100.4]:\n>>> RCPT TO:<%s>\n<<< "
                     "451 4.3.0 Temporary lookup failure\n\n" % (a, h, a))
            exp.append((a, "delayed"))
            groups.append([("Original-Recipient", "rfc822;" + a),
                           ("Final-Recipient", "rfc822;" + a),
                           ("Action", "delayed"), ("Status", "4.0.0"),
                           ("Remote-MTA", "dns; " + h),
                           ("Diagnostic-Code", "smtp; 451 4.3.0 Temporary "
                            "lookup failure")])
        else:
            text += ("<%s>:\n    %s [198.51.100.4]:\n>>> RCPT TO:<%s>\n<<< "
                     "550 5.1.1 <%s>: Recipient address rejected: User "
                     "unknown\n\n" % (a, h, a, a))
            exp.append((a, "permanent"))
            groups.append([("Original-Recipient", "rfc822;" + a),
                           ("Final-Recipient", "rfc822;" + a),
                           ("Action", "failed"), ("Status", "5.0.0"),
                           ("Remote-MTA", "dns; " + h),
                           ("Diagnostic-Code", "smtp; 550 5.1.1 <%s>: "
                            "Recipient address rejected: User unknown" % a)])
    dsn = "Reporting-MTA: dns; %s\nArrival-Date: %s\n\n" % (mta, date()) + \
        "\n".join("\n".join("%s: %s" % kv for kv in g) + "\n" for g in groups)
    return report("Courier mail server at %s <@>" % mta,
                  "DELAYED DELIVERY" if delay else "NOTICE: mail delivery "
                  "status.", text, dsn, returned), exp


for n, d in [(1, False), (2, False), (1, True), (1, False)]:
    case("courier", *courier(n, d))


# ---------------------------------------------------------------- OpenSMTPD
def opensmtpd(kinds, delay=False):
    mta = R.choice(["smtpd.example.org", "mx.example.fr"])
    rcpts = [(addr(), k) for k in kinds]
    returned = ours(rcpts[0][0])
    if delay:
        subj = "Delivery status notification: Delayed"
        text = ("Hi!\n\nThis is the MAILER-DAEMON, please DO NOT REPLY to "
                "this email.\n\nAn error has occurred while attempting to "
                "deliver a message for\nthe following list of recipients:\n"
                "\n")
    else:
        subj = "Delivery status notification: error"
        text = ("Hi!\n\nThis is the MAILER-DAEMON, please DO NOT REPLY to "
                "this email.\n\nAn error has occurred while attempting to "
                "deliver a message for\nthe following list of recipients:\n"
                "\n")
    exp = []
    for a, k in rcpts:
        if delay:
            text += "%s: 421 Service not available, closing channel\n\n" % a
            exp.append((a, "delayed"))
        elif k == "unknown":
            text += "%s: 550 5.1.1 %s: Recipient address rejected: User " \
                "unknown\n\n" % (a, a)
            exp.append((a, "permanent"))
        else:
            text += "%s: Domain does not exist\n\n" % a
            exp.append((a, "permanent"))
    if delay:
        text += ("Delivery will be retried for 4 days, you will be notified "
                 "if it fails\nor is eventually delivered.\n\n")
    text += "Below is a copy of the original message:\n\n" + \
        inline_copy(returned)
    return plain("Mailer Daemon <MAILER-DAEMON@%s>" % mta, subj, text), exp


for ks, d in [(["unknown"], False), (["nodomain"], False),
              (["unknown", "nodomain"], False), (["unknown"], True)]:
    case("opensmtpd", *opensmtpd(ks, d))


# ------------------------------------------------------- Microsoft Exchange
def exchange2007(n=1, dsn=True, kind="unknown"):
    srv = "EX%02d.corp.example.com" % R.randint(1, 20)
    rcpts = [addr("corp.example.com") for _ in range(n)]
    returned = ours(rcpts[0])
    text = "Delivery has failed to these recipients or groups:\n\n"
    exp = []
    for a in rcpts:
        if kind == "unknown":
            text += ("%s\nThe e-mail address you entered couldn't be found. "
                     "Please check the recipient's e-mail address and try "
                     "to resend the message. If the problem continues, "
                     "please contact your helpdesk.\n\n" % a)
        else:
            text += ("%s\nThe recipient's mailbox is full and can't accept "
                     "messages now. Please try resending this message later, "
                     "or contact the recipient directly.\n\n" % a)
        exp.append((a, "permanent" if kind == "unknown" else "temporary"))
    text += ("\n\n\n\n\nDiagnostic information for administrators:\n\n"
             "Generating server: %s\n\n" % srv)
    for a in rcpts:
        text += "%s\n#%s ##\n\n" % (a, "550 5.1.1 RESOLVER.ADR.RecipNotFound; "
                                    "not found" if kind == "unknown" else
                                    "452 4.2.2 STOREDRV.Deliver; mailbox "
                                    "full")
    text += "Original message headers:\n\n" + returned[1][0]
    frm = "postmaster@corp.example.com"
    subj = "Undeliverable: Your weekly ShortScience digest: 6 new summaries"
    if not dsn:
        return mixed(frm, subj, text, returned,
                     "Auto-Submitted: auto-replied\n"), exp
    groups = "".join("\nOriginal-Recipient: rfc822;%s\nFinal-Recipient: "
                     "rfc822;%s\nAction: failed\nStatus: %s\n" %
                     (a, a, "5.1.1" if kind == "unknown" else "4.2.2")
                     for a in rcpts)
    return report(frm, subj, text,
                  "Reporting-MTA: dns;%s\nReceived-From-MTA: dns;"
                  "lists.example.org\nArrival-Date: %s\n" % (srv, date()) +
                  groups, returned, "Auto-Submitted: auto-replied\n"), exp


def exchange2003(n=1):
    rcpts = [addr() for _ in range(n)]
    returned = ours(rcpts[0])
    text = ("Your message did not reach some or all of the intended "
            "recipients.\n\n      Subject:\tYour weekly ShortScience "
            "digest\n      Sent:\t3/6/2026 8:14 AM\n\nThe following "
            "recipient(s) cannot be reached:\n\n")
    exp = []
    for a in rcpts:
        text += ("      %s on 3/6/2026 8:14 AM\n            The e-mail "
                 "account does not exist at the organization this message "
                 "was sent to.  Check the e-mail address, or contact the "
                 "recipient directly to find out the correct address.\n"
                 "            <mx.%s #5.1.1>\n\n" % (a, a.split("@")[1]))
        exp.append((a, "permanent"))
    return mixed("System Administrator <postmaster@%s>" %
                 rcpts[0].split("@")[1], "Undeliverable: Your weekly "
                 "ShortScience digest", text, returned), exp


def office365(kind="unknown"):
    a = addr(R.choice(["contoso.example", "fabrikam.example"]))
    returned = ours(a)
    local, dom = a.split("@")
    if kind == "unknown":
        head = ("Your message to %s couldn't be delivered.\n%s wasn't found "
                "at %s.\n" % (a, local, dom))
        code = "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not " \
            "found by SMTP address lookup"
        st, k = "5.1.10", "permanent"
    elif kind == "blocked":
        head = ("Your message to %s couldn't be delivered.\nThe recipient's "
                "email system rejected it.\n" % a)
        code = "550 5.7.133 RESOLVER.RST.SenderNotAuthenticatedForGroup; " \
            "authentication required"
        st, k = "5.7.133", "permanent"
    else:
        head = ("Delivery is delayed to these recipients or groups:\n\n%s\n"
                "\nSubject: Your weekly ShortScience digest\n\nThis message "
                "hasn't been delivered yet. Delivery will continue to be "
                "attempted.\n\nThe server has tried to deliver this message, "
                "without success, and will continue to try. Please don't "
                "resend this message.\n" % a)
        code = "451 4.4.0 Message failed to be made redundant due to A " \
            "shadow copy was required but failed to be made"
        st, k = "4.4.7", "delayed"
    text = head + ("\nAction Required\n\nUnknown To address\n\nHow to Fix "
                   "It\nThe address may be misspelled or may not exist.\n\n"
                   "Diagnostic information for administrators:\n\n"
                   "Generating server: AM%dPR01MB%04d.eurprd0%d.prod."
                   "outlook.com\n\n%s\nRemote Server returned '%s'\n\n"
                   "Original message headers:\n\n%s" %
                   (R.randint(1, 9), R.randint(1, 9999), R.randint(1, 9), a,
                    code, returned[1][0]))
    dsn = ("Reporting-MTA: dns;AM0PR01MB1234.eurprd01.prod.outlook.com\n"
           "Received-From-MTA: dns;lists.example.org\nArrival-Date: %s\n\n"
           "Final-Recipient: rfc822;%s\nAction: %s\nStatus: %s\n"
           "Diagnostic-Code: smtp;%s\n" % (date(), a,
                                           "delayed" if k == "delayed"
                                           else "failed", st, code))
    html = ("<html><body><p><b><font color=\"#000000\" size=\"3\">"
            "%s</font></b></p></body></html>" % head.replace("\n", "<br>"))
    b = "=_%s" % qid(10)
    out = hdr("Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6"
              "ce41109e@%s>" % dom,
              ("Delivery delayed:" if k == "delayed" else "Undeliverable:") +
              " Your weekly ShortScience digest", "Auto-Submitted: "
              "auto-replied\nX-MS-Exchange-Message-Is-Ndr:\n",
              ctype='multipart/report; report-type=delivery-status;\n\t'
              'boundary="%s"' % b)
    out += ("\n--%s\nContent-Type: multipart/alternative; "
            "boundary=\"alt%s\"\n\n--alt%s\nContent-Type: text/plain; "
            "charset=\"utf-8\"\n\n%s\n--alt%s\nContent-Type: text/html; "
            "charset=\"utf-8\"\n\n%s\n--alt%s--\n\n--%s\nContent-Type: "
            "message/delivery-status\n\n%s\n--%s\nContent-Type: "
            "message/rfc822\n\n%s\n%s\n--%s--\n" %
            (b, b, b, text, b, html, b, b, dsn, b, returned[1][0],
             returned[1][1], b))
    return out, [(a, k)]


def outlookcom(kind="unknown"):
    dom = R.choice(["hotmail.com", "outlook.com", "live.com", "msn.com"])
    a = addr(dom)
    returned = ours(a)
    if kind == "unknown":
        text = ("Delivery has failed to these recipients or groups:\n\n%s\n"
                "The email address you entered couldn't be found. Please "
                "check the recipient's email address and try to resend the "
                "message. If the problem continues, please contact your "
                "email admin.\n\n\n\n\n\n\nDiagnostic information for "
                "administrators:\n\nGenerating server: "
                "DM6NAM12HT%03d.mail.protection.outlook.com\n\n%s\nRemote "
                "Server returned '550 5.5.0 Requested action not taken: "
                "mailbox unavailable (%s)'\n\nOriginal message headers:\n\n%s"
                % (a, R.randint(1, 999), a, qid(16).lower(), returned[1][0]))
        k, st, d = "permanent", "5.5.0", "550 5.5.0 Requested action not " \
            "taken: mailbox unavailable"
    else:
        text = ("Delivery has failed to these recipients or groups:\n\n%s\n"
                "The recipient's mailbox is full and can't accept messages "
                "now. Please try resending your message later, or contact "
                "the recipient directly.\n\n\n\nDiagnostic information for "
                "administrators:\n\nGenerating server: "
                "BN8NAM12HT%03d.mail.protection.outlook.com\n\n%s\nRemote "
                "Server returned '554 5.2.2 mailbox full; "
                "STOREDRV.Deliver.Exception:QuotaExceededException'\n\n"
                % (a, R.randint(1, 999), a))
        k, st, d = "permanent", "5.2.2", "554 5.2.2 mailbox full"
    dsn = ("Reporting-MTA: dns;DM6NAM12HT001.mail.protection.outlook.com\n"
           "Received-From-MTA: dns;lists.example.org\nArrival-Date: %s\n\n"
           "Final-Recipient: rfc822;%s\nAction: failed\nStatus: %s\n"
           "Diagnostic-Code: smtp;%s\n" % (date(), a, st, d))
    return report("postmaster@%s" % dom, "Undeliverable: Your weekly "
                  "ShortScience digest", text, dsn, returned), [(a, k)]


for n, d, k in [(1, True, "unknown"), (2, True, "unknown"),
                (1, False, "unknown"), (1, True, "full"),
                (2, False, "unknown")]:
    case("exchange2007", *exchange2007(n, d, k))
for n in [1, 2, 1]:
    case("exchange2003", *exchange2003(n))
for k in ["unknown", "blocked", "delay", "unknown"]:
    case("office365", *office365(k))
for k in ["unknown", "full", "unknown"]:
    case("outlookcom", *outlookcom(k))


# ------------------------------------------------------------ Google
def gmail(kind):
    a = addr(R.choice(DOMS + ["gmail.com"]))
    returned = ours(a)
    frm = "Mail Delivery Subsystem <mailer-daemon@googlemail.com>"
    extra = "X-Failed-Recipients: %s\nAuto-Submitted: auto-replied\n" % a
    if kind == "notfound":
        subj = "Delivery Status Notification (Failure)"
        text = ("\n** Address not found **\n\nYour message wasn't delivered "
                "to %s because the address couldn't be found, or is unable "
                "to receive mail.\n\nLearn more here: "
                "https://support.google.com/mail/?p=NoSuchUser\n\nThe "
                "response was:\n\n550 5.1.1 The email account that you tried "
                "to reach does not exist. Please try double-checking the "
                "recipient's email address for typos or unnecessary spaces. "
                "For more information, go to "
                "https://support.google.com/mail/?p=NoSuchUser "
                "d2si1234567ejc.512 - gsmtp\n" % a)
        k, st, act = "permanent", "5.1.1", "failed"
    elif kind == "temp":
        subj = "Delivery Status Notification (Delay)"
        text = ("\n** Delivery incomplete **\n\nThere was a temporary "
                "problem delivering your message to %s. Gmail will retry "
                "for 47 more hours. You'll be notified if the delivery "
                "fails permanently.\n\nLearn more here: "
                "https://support.google.com/mail/answer/7720\n\nThe response "
                "was:\n\nThe recipient server did not accept our requests to "
                "connect. Learn more at "
                "https://support.google.com/mail/answer/7720 [mx.%s "
                "198.51.100.3: timed out]\n" % (a, a.split("@")[1]))
        k, st, act = "delayed", "4.4.1", "delayed"
    elif kind == "full":
        subj = "Delivery Status Notification (Failure)"
        text = ("\n** Message not delivered **\n\nYour message couldn't be "
                "delivered to %s because the remote server is "
                "misconfigured. See technical details below for more "
                "information.\n\nThe response from the remote server "
                "was:\n552 5.2.2 <%s>: Mailbox full\n" % (a, a))
        k, st, act = "permanent", "5.2.2", "failed"
    else:  # the older wording
        subj = "Delivery Status Notification (Failure)"
        text = ("This is an automatically generated Delivery Status "
                "Notification\n\nDelivery to the following recipient failed "
                "permanently:\n\n     %s\n\nTechnical details of permanent "
                "failure:\nGoogle tried to deliver your message, but it was "
                "rejected by the server for the recipient domain %s by "
                "mx.%s. [198.51.100.20].\n\nThe error that the other server "
                "returned was:\n550 5.1.1 <%s>: Recipient address rejected: "
                "User unknown in virtual alias table\n" %
                (a, a.split("@")[1], a.split("@")[1], a))
        k, st, act = "permanent", "5.1.1", "failed"
    dsn = ("Reporting-MTA: dns; googlemail.com\nReceived-From-MTA: dns; "
           "digest@lists.example.org\nArrival-Date: %s\nX-Original-Message-"
           "ID: <%s>\n\nFinal-Recipient: rfc822; %s\nAction: %s\nStatus: %s\n"
           "Diagnostic-Code: smtp; %s\nLast-Attempt-Date: %s\n" %
           (date(), returned[0], a, act, st, "550 5.1.1 The email account "
            "that you tried to reach does not exist" if st == "5.1.1" else
            "552 5.2.2 Mailbox full" if st == "5.2.2" else "The recipient "
            "server did not accept our requests to connect.", date()))
    if R.random() < 0.4:
        dsn = None
    return report(frm, subj, text, dsn, returned, extra,
                  headers_only=(kind == "old")), [(a, k)]


def googlegroups():
    g = R.choice(["ml-reading", "deep-learning-club", "paper-digest",
                  "nlp-seminar"])
    dom = R.choice(["googlegroups.com", "example.edu"])
    a = "%s@%s" % (g, dom)
    returned = ours(a)
    text = ("\n** Address not found **\n\nYour message wasn't delivered to "
            "%s because the address couldn't be found, or is unable to "
            "receive mail.\n\nLearn more here: "
            "https://groups.google.com/support/bin/answer.py?answer=46601"
            "\n\nThe response was:\n\nThe group %s does not exist, or you do "
            "not have permission to post messages to it.\n" % (a, a)) \
        if R.random() < 0.5 else (
            "Hello digest@lists.example.org,\n\nWe're writing to let you "
            "know that the group you tried to contact (%s) may not exist, or "
            "you may not have permission to post messages to the group. A "
            "few more details on why you weren't able to post:\n\n * You "
            "might have spelled or formatted the group name incorrectly.\n "
            "* The owner of the group may have removed this group.\n * You "
            "may need to join the group before receiving permission to post."
            "\n * This group may not be open to posting.\n\nIf you have "
            "questions related to this or any other Google Group, visit the "
            "Help Center at https://groups.google.com/support/.\n\nThanks,"
            "\n\nGoogle Groups\n" % g)
    return report("Mail Delivery Subsystem <mailer-daemon@googlemail.com>",
                  "Delivery Status Notification (Failure)", text, None,
                  returned, "X-Failed-Recipients: %s\nAuto-Submitted: "
                  "auto-replied\n" % a), [(a, "permanent")]


# ------------------------------------------------------------ Yahoo, AOL
def yahoo(kind):
    a = addr(R.choice(["yahoo.com", "yahoo.co.uk", "ymail.com"] + DOMS))
    returned = ours(a)
    if kind == "nouser":
        text = ("Sorry, we were unable to deliver your message to the "
                "following address.\n\n<%s>:\n554: delivery error: dd This "
                "user doesn't have a %s account (%s) [0] - "
                "mta1%03d.mail.ne1.yahoo.com\n" %
                (a, a.split("@")[1], a, R.randint(0, 999)))
        k = "permanent"
    elif kind == "remote":
        text = ("Sorry, we were unable to deliver your message to the "
                "following address.\n\n<%s>:\nRemote host said: 550 5.1.1 "
                "<%s>: Recipient address rejected: User unknown in local "
                "recipient table [RCPT_TO]\n" % (a, a))
        k = "permanent"
    elif kind == "expired":
        text = ("Sorry, we were unable to deliver your message to the "
                "following address.\n\n<%s>:\nMessage expired; connection "
                "to the remote mail server failed after several attempts.\n"
                % a)
        k = "permanent"
    else:
        text = ("Message from yahoo.com.\nUnable to deliver message to the "
                "following address(es).\n\n<%s>:\n552 1 Requested mail "
                "action aborted, mailbox full\n" % a)
        k = "permanent"
    text += "\n--- Below this line is a copy of the message.\n\n" + \
        inline_copy(returned)
    return plain("MAILER-DAEMON@yahoo.com", "Failure Notice", text), [(a, k)]


def aol(n=1):
    rcpts = [addr(R.choice(["aol.com", "aim.com"] + DOMS)) for _ in range(n)]
    returned = ours(rcpts[0])
    text = ("The original message was received at %s\nfrom "
            "lists.example.org [192.0.2.7]\n\n*** ATTENTION ***\n\nYour "
            "e-mail is being returned to you because there was a problem "
            "with its\ndelivery.  The address which was undeliverable is "
            "listed in the section\nlabeled: \"----- The following "
            "addresses had permanent fatal errors -----\".\n\n    ----- "
            "The following addresses had permanent fatal errors -----\n" %
            date())
    for a in rcpts:
        text += "%s\n" % a
    text += ("\n    ----- Transcript of session follows -----\n... while "
             "talking to air-mb01.mail.aol.com.:\n>>> RCPT To:<%s>\n<<< 550 "
             "MAILBOX NOT FOUND\n550 %s... User unknown\n" %
             (rcpts[-1], rcpts[-1]))
    return report("Mail Delivery Subsystem <MAILER-DAEMON@aol.com>",
                  "Returned mail: User unknown", text,
                  "Reporting-MTA: dns; air-mb01.mail.aol.com\n" +
                  "".join("\nFinal-Recipient: RFC822; %s\nAction: failed\n"
                          "Status: 5.1.1\nRemote-MTA: DNS; "
                          "air-mb01.mail.aol.com\nDiagnostic-Code: SMTP; 550 "
                          "MAILBOX NOT FOUND\n" % a for a in rcpts),
                  returned), [(a, "permanent") for a in rcpts]


for k in ["notfound", "temp", "full", "old", "notfound", "old"]:
    case("gmail", *gmail(k))
for _ in range(4):
    case("googlegroups", *googlegroups())
for k in ["nouser", "remote", "expired", "full", "nouser"]:
    case("yahoo", *yahoo(k))
for n in [1, 2]:
    case("aol", *aol(n))


# ------------------------------------------------------ Lotus Notes, Domino
def domino(n=1, dsn=True):
    dom = R.choice(["corp.example.de", "notes.example.com"])
    rcpts = [addr(dom) for _ in range(n)]
    returned = ours(rcpts[0])
    text = ("Your message\n\n  Subject: Your weekly ShortScience digest\n\n"
            "was not delivered to:\n\n")
    for a in rcpts:
        text += "  %s\n" % a
    text += "\nbecause:\n\n"
    for a in rcpts:
        text += "  User %s (%s) not listed in Domino Directory\n" % (
            a.split("@")[0].replace(".", " ").title(), a)
    if dsn:
        d = "Reporting-MTA: dns;mail01.%s\n" % dom + "".join(
            "\nFinal-Recipient: rfc822;%s\nAction: failed\nStatus: 5.0.0\n"
            "Diagnostic-Code: X-Notes; User %s (%s) not listed in Domino "
            "Directory\n" % (a, a.split("@")[0], a) for a in rcpts)
        return report("Mail Delivery System <Postmaster@%s>" % dom,
                      "DELIVERY FAILURE: User %s not listed in Domino "
                      "Directory" % rcpts[0].split("@")[0], text, d,
                      returned), [(a, "permanent") for a in rcpts]
    return mixed("Postmaster@%s" % dom, "DELIVERY FAILURE: User not listed "
                 "in Domino Directory", text, returned), \
        [(a, "permanent") for a in rcpts]


def notes(reason="unknown"):
    dom = R.choice(["lotus.example.com", "mail.example.co.jp"])
    a = addr(dom)
    returned = ours(a)
    why = {"unknown": "User not listed in public Name & Address Book",
           "full": "Unable to deliver message: the recipient's mail file "
           "is full",
           "route": "No route found to domain %s from server MAIL01/ACME" %
           dom}[reason]
    text = ("------- Failure Reasons  --------\n\n%s\n%s\n\n\n------- "
            "Returned Message --------\n" % (why, a)) + inline_copy(returned)
    return plain("Postmaster@%s" % dom, "Undeliverable Message", text), \
        [(a, "temporary" if reason == "full" else "permanent")]


# ------------------------------------------------------ filters, appliances
def messagelabs(n=1):
    rcpts = [addr() for _ in range(n)]
    returned = ours(rcpts[0])
    text = ("This is an automatically generated Delivery Status "
            "Notification.\n\nDelivery to the following recipients failed."
            "\n\n")
    for a in rcpts:
        text += "       %s\n\n" % a
    dsn = ("Reporting-MTA: dns;server-%d.tower-%d.messagelabs.com\n"
           "Arrival-Date: %s\n" % (R.randint(1, 20), R.randint(100, 700),
                                   date()) +
           "".join("\nFinal-Recipient: rfc822;%s\nAction: failed\nStatus: "
                   "5.0.0\nDiagnostic-Code: smtp;550 5.1.1 <%s>... User "
                   "unknown\n" % (a, a) for a in rcpts))
    if R.random() < 0.5:
        return report("postmaster@messagelabs.com", "Mail Delivery "
                      "Failure", text, dsn, returned), \
            [(a, "permanent") for a in rcpts]
    return mixed("MAILER-DAEMON@messagelabs.com", "Mail Delivery Failure",
                 text, returned), [(a, "permanent") for a in rcpts]


def interscan(kind="unknown"):
    a = addr()
    returned = ours(a)
    code = "550 5.1.1 <%s>... User Unknown" % a if kind == "unknown" else \
        "552 5.2.2 <%s>... Mailbox Full" % a
    text = ("Sent <<< RCPT TO:<%s>\nReceived >>> %s\n\nUnable to deliver "
            "message to <%s>.\n" % (a, code, a))
    if kind == "single":
        text = "Unable to deliver message to <%s> (and other recipients " \
            "in the same domain).\n" % a
    return mixed("Postmaster <postmaster@%s>" % a.split("@")[1], "Mail "
                 "could not be delivered", text, returned), \
        [(a, "permanent")]


def imail(kind="unknown"):
    a = addr()
    returned = ours(a)
    line = {"unknown": "Unknown user: %s" % a,
            "full": "Mailbox full: %s" % a,
            "retry": "Delivery failed 3 attempts: %s" % a}[kind]
    text = ("Body of message generated response:\n\n%s\n\nOriginal message "
            "follows.\n\n" % line) + inline_copy(returned)
    return plain("IMail Server <postmaster@%s>" % a.split("@")[1],
                 "Undeliverable Mail", text,
                 "X-Mailer: <IMail v8.22>\n"), \
        [(a, "temporary" if kind == "full" else "permanent")]


def fml():
    ml = "%s@ml.example.jp" % R.choice(["readers", "seminar", "dl-group"])
    returned = ours(ml)
    text = ("Hi, I am the fml ML manager for the ML <%s>.\n\n--%s, Be "
            "Seeing You!\n\n************************************************"
            "\n\nIf you have any questions or problems,\n   please contact "
            "%s\n\n>>> Your weekly ShortScience digest\n\n   you are not a "
            "member of this mailing list <%s>.\n   Your mail is rejected.\n"
            "\n" % (ml, ml.split("@")[0], ml.replace("@", "-admin@"), ml)) + \
        "Original mail as follows:\n\n" + inline_copy(returned)
    return plain(ml.replace("@", "-admin@"), "Rejected mail: you are not a "
                 "member of %s" % ml, text, "X-ML-Name: %s\nX-MLServer: "
                 "fml [fml 4.0.3 release (20011202/4.0.3)]\n" %
                 ml.split("@")[0]), [(ml, "permanent")]


def ezweb():
    a = "%s%d@ezweb.ne.jp" % (R.choice(FIRST), R.randint(10, 99))
    returned = ours(a)
    text = ("The user(s) account is disabled.\n\n<%s>: 550 user unknown "
            "(in reply to RCPT TO command)\n" % a) if R.random() < 0.5 else (
        "The following recipients did not receive this message:\n\n<%s>\n"
        "\nPlease reply to <postmaster@ezweb.ne.jp>\nif you feel this "
        "message to be in error.\n" % a)
    return mixed("Postmaster@ezweb.ne.jp", "Mail System Error - Returned "
                 "Mail", text, returned), [(a, "permanent")]


def verizon():
    a = "%d@%s" % (R.randint(2012000000, 9899999999),
                   R.choice(["vtext.com", "vzwpix.com"]))
    returned = ours(a)
    text = ("Message could not be delivered to mobile.\nAddresses failed: "
            "%s\nError: No valid recipients for this MM\n" % a) \
        if R.random() < 0.5 else (
        "Error: 550 5.1.1 <%s>: Recipient address rejected: User unknown\n"
        "\nThe original message was not delivered to the mobile.\n" % a)
    return plain("post_master@vtext.com", "Undeliverable Message", text +
                 "\n--- Original message follows ---\n" +
                 inline_copy(returned)), [(a, "permanent")]


for n, d in [(1, True), (2, True), (1, False)]:
    case("domino", *domino(n, d))
for r in ["unknown", "full", "route"]:
    case("notes", *notes(r))
for n in [1, 2, 1]:
    case("messagelabs", *messagelabs(n))
for k in ["unknown", "full", "single"]:
    case("interscan", *interscan(k))
for k in ["unknown", "full", "retry"]:
    case("imail", *imail(k))
for _ in range(3):
    case("fml", *fml())
for _ in range(3):
    case("ezweb", *ezweb())
for _ in range(3):
    case("verizon", *verizon())


# ------------------------------------------------------ more MTAs, providers
def groupwise():
    a = addr()
    returned = ours(a)
    text = ("The message that you sent was not delivered to the following "
            "recipients.\n\nMessage status - undeliverable\n\n  User:     "
            "%s\n  Status:   Undeliverable\n  Reason:   550 5.1.1 User "
            "unknown\n" % a) if R.random() < 0.5 else (
        "The message that you sent could not be delivered to the following "
        "recipients:\n\n%s Mailbox not found\n" % a)
    return mixed("Mail Delivery System <postmaster@%s>" % a.split("@")[1],
                 "Message status - undeliverable", text, returned), \
        [(a, "permanent")]


def amazonses(kind="unknown"):
    a = addr()
    returned = ours(a)
    code = "smtp; 550 5.1.1 user unknown" if kind == "unknown" else \
        "smtp; 552 5.2.2 Mailbox full"
    text = ("An error occurred while trying to deliver the mail to the "
            "following recipients:\n%s\n" % a)
    dsn = ("Reporting-MTA: dns; a8-%d.smtp-out.amazonses.com\n\n"
           "Action: failed\nFinal-Recipient: rfc822; %s\nDiagnostic-Code: "
           "%s\nStatus: %s\n" % (R.randint(10, 99), a, code,
                                 "5.1.1" if kind == "unknown" else "5.2.2"))
    return report("MAILER-DAEMON@amazonses.com", "Delivery Status "
                  "Notification (Failure)", text, dsn, returned), \
        [(a, "permanent")]


def mdaemon(n=1):
    rcpts = [addr() for _ in range(n)]
    returned = ours(rcpts[0])
    text = ("The attached message had PERMANENT fatal delivery errors!\n\n"
            "After one or more unsuccessful delivery attempts the attached "
            "message has\nbeen removed from the mail queue on this server. "
            "The number and frequency\nof delivery attempts are determined "
            "by local configuration parameters.\n\nYOUR MESSAGE WAS NOT "
            "DELIVERED TO ONE OR MORE RECIPIENTS!\n\n")
    for a in rcpts:
        text += ("--- Session Transcript ---\n Fri 2026-03-06 08:00:12: "
                 "Parsing message <mail.example.net\\pd50000000001.msg>\n "
                 "Fri 2026-03-06 08:00:12: *  From: digest@lists.example.org"
                 "\n Fri 2026-03-06 08:00:12: *  To: %s\n Fri 2026-03-06 "
                 "08:00:13: --> RCPT To:<%s>\n Fri 2026-03-06 08:00:13: <-- "
                 "550 5.1.1 <%s>: Recipient address rejected: User unknown\n"
                 "--- End Transcript ---\n\n" % (a, a, a))
    return mixed("MDaemon@mail.example.net", "Permanent Delivery Failure",
                 text, returned), [(a, "permanent") for a in rcpts]


def mailru():
    a = addr(R.choice(["mail.ru", "list.ru", "bk.ru", "inbox.ru"]))
    returned = ours(a)
    text = ("This message was created automatically by mail delivery "
            "software.\n\nA message that you sent could not be delivered to "
            "one or more of its\nrecipients. This is a permanent error. The "
            "following address(es) failed:\n\n  %s\n    SMTP error from "
            "remote mail server after RCPT TO:<%s>:\n    host mxs.mail.ru "
            "[94.100.180.31]: 550 Message was not accepted -- invalid "
            "mailbox.  Local mailbox %s is unavailable: user not found\n\n"
            "\xd0\xad\xd1\x82\xd0\xbe \xd0\xbf\xd0\xb8\xd1\x81\xd1\x8c\xd0\xbc"
            "\xd0\xbe \xd1\x81\xd0\xbe\xd0\xb7\xd0\xb4\xd0\xb0\xd0\xbd\xd0"
            "\xbe \xd0\xb0\xd0\xb2\xd1\x82\xd0\xbe\xd0\xbc\xd0\xb0\xd1\x82"
            "\xd0\xb8\xd1\x87\xd0\xb5\xd1\x81\xd0\xba\xd0\xb8.\n" % (a, a, a))
    text = text.encode("latin-1").decode("utf-8")
    return mixed("Mail Delivery System <MAILER-DAEMON@corp.mail.ru>",
                 "Mail delivery failed: returning message to sender",
                 text, returned, "X-Failed-Recipients: %s\n" % a), \
        [(a, "permanent")]


def yandex(kind="unknown"):
    a = addr(R.choice(["yandex.ru", "ya.ru", "yandex.com"]))
    returned = ours(a)
    text = ("This is the mail system at host forward%d.mail.yandex.net.\n\n"
            "I'm sorry to have to inform you that your message could not\nbe "
            "delivered to one or more recipients. It's attached below.\n\n"
            "Please, do not reply to this message.\n\n\n<%s>: %s\n" %
            (R.randint(1, 9), a,
             "host mx.yandex.ru[77.88.21.249] said: 550 5.7.1 No such user! "
             "(in reply to end of DATA command)" if kind == "unknown" else
             "host mx.yandex.ru[77.88.21.249] said: 552 5.2.2 Mailbox size "
             "limit exceeded (in reply to end of DATA command)"))
    dsn = ("Reporting-MTA: dns; forward1.mail.yandex.net\nArrival-Date: "
           "%s\n\nFinal-Recipient: rfc822; %s\nOriginal-Recipient: rfc822;%s"
           "\nAction: failed\nStatus: %s\nRemote-MTA: dns; mx.yandex.ru\n"
           "Diagnostic-Code: smtp; %s\n" % (date(), a, a, "5.7.1" if kind ==
                                            "unknown" else "5.2.2",
                                            "550 5.7.1 No such user!" if
                                            kind == "unknown" else "552 5.2.2"
                                            " Mailbox size limit exceeded"))
    return report("mailer-daemon@yandex.ru", "Undelivered Mail Returned to "
                  "Sender", text, dsn, returned), [(a, "permanent")]


def gmx():
    a = addr(R.choice(["gmx.de", "web.de", "gmx.net"]))
    returned = ours(a)
    text = ("This message was created automatically by mail delivery "
            "software.\n\nA message that you sent could not be delivered to "
            "one or more of\nits recipients. This is a permanent error. The "
            "following address(es)\nfailed:\n\n%s:\nSMTP error from remote "
            "server for RCPT TO command, host: mx-ha.gmx.net "
            "(212.227.17.5) reason: 550 Requested action not taken: mailbox "
            "unavailable\n\n" % a)
    return mixed("Mail Delivery System <mailer-daemon@gmx.net>", "Mail "
                 "delivery failed: returning message to sender", text,
                 returned), [(a, "permanent")]


def barracuda():
    a = addr()
    returned = ours(a)
    text = ("Your message could not be delivered to the following "
            "recipients:\n\n%s (Recipient address rejected: user %s does "
            "not exist)\n\nThis message was sent by the Barracuda Spam & "
            "Virus Firewall.\n" % (a, a))
    return mixed("MAILER-DAEMON@barracuda.%s" % a.split("@")[1],
                 "Message delivery failure", text, returned), \
        [(a, "permanent")]


def mailmarshal():
    a = addr()
    returned = ours(a)
    text = ("Your message:\n\n   From:    digest@lists.example.org\n   "
            "Subject: Your weekly ShortScience digest\n\nCould not be "
            "delivered because of\n\n550 5.1.1 %s... User unknown\n\nThe "
            "following recipients were affected: \n    %s\n\nAdditional "
            "Information\n======================\n\nOriginal Sender:    "
            "<digest-bounces@lists.example.org>\nSender-MTA:         "
            "<192.0.2.7>\nRemote-MTA:         <198.51.100.8>\n" % (a, a))
    return mixed("postmaster@%s" % a.split("@")[1], "Undeliverable Mail: "
                 "\"Your weekly ShortScience digest\"", text, returned), \
        [(a, "permanent")]


def james():
    a = addr()
    returned = ours(a)
    text = ("Hi. This is the James mail server at mail.%s.\nI'm afraid I "
            "wasn't able to deliver your message to the following "
            "addresses.\nThis is a permanent error; I've given up. Sorry it "
            "didn't work out.  Below\nI include the list of recipients and "
            "the reason why I was unable to deliver\nyour message.\n\n"
            "Original email information follows:\n\n  From: "
            "digest@lists.example.org\n  To: %s\n  Subject: Your weekly "
            "ShortScience digest\n  Sent Date: %s\n  Message-ID: <%s>\n\n"
            "Failed recipient(s):\n  %s\n\nError message:\n  550 5.1.1 "
            "Requested action not taken: mailbox unavailable\n" %
            (a.split("@")[1], a, date(), returned[0], a))
    return mixed("MAILER-DAEMON@mail.%s" % a.split("@")[1], "[BOUNCE]",
                 text, returned), [(a, "permanent")]


def intended():
    a = addr()
    returned = ours(a)
    text = R.choice([
        "Your message was not delivered.\n\nIntended recipient: %s\nReason: "
        "mailbox does not exist\n",
        "The following message could not be delivered.\n\n   Intended "
        "recipient: %s\n   Error: 550 account disabled\n",
        "Delivery failure.\nYour message to the intended recipient could "
        "not be delivered.\n\nIntended recipient: %s\n"]) % a
    return mixed("Postmaster <postmaster@%s>" % a.split("@")[1], "Delivery "
                 "failure notification", text, returned), [(a, "permanent")]


def kerio():
    a = addr()
    returned = ours(a)
    text = ("Your message did not reach some or all of the intended "
            "recipients.\n\n   Subject: Your weekly ShortScience digest\n   "
            "Sent:    %s\n\nThe following recipient(s) could not be reached:"
            "\n\n%s\n   Error Type: SMTP\n   Remote server (198.51.100.5) "
            "issued an error.\n   hMailServer sent: RCPT TO:<%s>\n   Remote "
            "server replied: 550 5.1.1 <%s>: Recipient address rejected: "
            "User unknown\n" % (date(), a, a, a))
    return plain("mailer-daemon@%s" % a.split("@")[1], "Message "
                 "undeliverable: Your weekly ShortScience digest", text), \
        [(a, "permanent")]


def zoho():
    a = addr()
    returned = ours(a)
    text = ("This message was created automatically by mail delivery "
            "software.\nA message that you sent could not be delivered to "
            "one or more of its recipients. This is a permanent error. The "
            "following address(es) failed:\n\n%s, ERROR CODE :550 - 5.1.1 "
            "Mailbox not found\n" % a)
    dsn = ("Reporting-MTA: dns; mx.zoho.com\n\nFinal-Recipient: rfc822; %s"
           "\nAction: failed\nStatus: 5.1.1\n" % a) if R.random() < 0.5 \
        else None
    return report("mailer-daemon@mail.zoho.com", "Undelivered Mail Returned "
                  "to Sender", text, dsn, returned), [(a, "permanent")]


def icloud():
    a = addr(R.choice(["icloud.com", "me.com", "mac.com"]))
    returned = ours(a)
    text = ("This message was created automatically by the mail system "
            "(ecelerity).\n\nA message that you sent could not be delivered "
            "to one or more of\nits recipients. This is a permanent error. "
            "The following address(es) failed:\n\n>>> %s (reading "
            "confirmation): 550 5.1.1 <%s>: inactive email address\n" %
            (a, a))
    return mixed("MAILER-DAEMON@%s" % a.split("@")[1], "Returned mail: see "
                 "transcript for details", text, returned), \
        [(a, "permanent")]


def xfailed():
    """A terse notice whose only handle is X-Failed-Recipients."""
    a = addr()
    returned = ours(a)
    text = ("Delivery failed for the message below. Contact the "
            "postmaster of %s for details.\n" % a.split("@")[1])
    return mixed("Mail Delivery System <Mailer-Daemon@relay.%s>" %
                 a.split("@")[1], "Mail delivery failed", text, returned,
                 "X-Failed-Recipients: %s\n" % a), [(a, "permanent")]


for f, args in [(groupwise, ()), (groupwise, ()), (amazonses, ("unknown",)),
                (amazonses, ("full",)), (mdaemon, (1,)), (mdaemon, (2,)),
                (mailru, ()), (mailru, ()), (yandex, ("unknown",)),
                (yandex, ("full",)), (gmx, ()), (gmx, ()), (barracuda, ()),
                (barracuda, ()), (mailmarshal, ()), (james, ()),
                (intended, ()), (intended, ()), (intended, ()), (kerio, ()),
                (zoho, ()), (zoho, ()), (icloud, ()), (xfailed, ()),
                (xfailed, ())]:
    case(f.__name__, *f(*args))


def mcafee():
    a = addr()
    returned = ours(a)
    text = ("--- The following addresses had delivery problems ---\n\n<%s>   "
            "(Permanent error: 550 5.1.1 <%s>: Recipient address rejected: "
            "User unknown)\n\n--- Original message follows ---\n" % (a, a))
    return mixed("Postmaster <postmaster@%s>" % a.split("@")[1],
                 "Delivery Status Notification", text, returned), \
        [(a, "permanent")]


def smtp32(kind):
    a = addr()
    returned = ours(a)
    line = {"full": "User mailbox exceeds allowed size: %s",
            "unknown": "undeliverable to %s"}[kind] % a
    text = "%s\n\nOriginal message follows.\n\n" % line + \
        inline_copy(returned)
    return plain("Postmaster <postmaster@%s>" % a.split("@")[1],
                 "Undeliverable Mail", text, "X-Mailer: <SMTP32 v8.15>\n"), \
        [(a, "temporary" if kind == "full" else "permanent")]


def netscape(kind):
    a = addr()
    returned = ours(a)
    why = "The user(s) account is temporarily over quota." if kind == \
        "quota" else "No such user (%s)" % a.split("@")[0]
    text = ("This Message was undeliverable due to the following reason:\n\n"
            "%s\n\n<%s>\n\nPlease reply to Postmaster@%s\nif you feel this "
            "message to be in error.\n" % (why, a, a.split("@")[1]))
    return mixed("Mail Administrator <Postmaster@%s>" % a.split("@")[1],
                 "Mail System Error - Returned Mail", text, returned), \
        [(a, "temporary" if kind == "quota" else "permanent")]


def sunjes(n=1, delay=False):
    rcpts = [addr() for _ in range(n)]
    returned = ours(rcpts[0])
    text = ("This report relates to a message you sent with the following "
            "header fields:\n\n  Message-id: <%s>\n  Date: %s\n  From: "
            "ShortScience digest <digest@lists.example.org>\n  To: %s\n  "
            "Subject: Your weekly ShortScience digest\n\n" %
            (returned[0], date(), rcpts[0]))
    text += ("Your message has not yet been delivered to the following "
             "recipients:\n\n") if delay else \
        "Your message cannot be delivered to the following recipients:\n\n"
    for a in rcpts:
        text += ("  Recipient address: %s\n  Reason: %s\n  Diagnostic code: "
                 "smtp;%s\n  Remote system: dns;mx.%s (TCP|192.0.2.7|4123|"
                 "198.51.100.9|25) (mx.%s ESMTP)\n\n" %
                 (a, "Remote SMTP server has rejected address" if not delay
                  else "The remote system is not answering",
                  "550 5.1.1 <%s>... User unknown" % a if not delay else
                  "421 4.4.2 connection timed out", a.split("@")[1],
                  a.split("@")[1]))
    dsn = "Reporting-MTA: dns;ims.example.net (tcp_intranet-daemon)\n" + \
        "".join("\nOriginal-recipient: rfc822;%s\nFinal-recipient: "
                "rfc822;%s\nAction: %s\nStatus: %s\nRemote-MTA: dns;mx.%s\n"
                "Diagnostic-code: smtp;%s\n" %
                (a, a, "delayed" if delay else "failed",
                 "4.4.2" if delay else "5.1.1", a.split("@")[1],
                 "421 4.4.2 connection timed out" if delay else
                 "550 5.1.1 <%s>... User unknown" % a) for a in rcpts)
    return report("Internet Mail Delivery <postmaster@ims.example.net>",
                  "Delivery Notification: Delivery has been delayed" if
                  delay else "Delivery Notification: Delivery has failed",
                  text, dsn, returned, headers_only=True), \
        [(a, "delayed" if delay else "permanent") for a in rcpts]


def rfc3464(shape):
    """Reports that follow RFC 3464 but in the less usual ways."""
    mta = "mta.example.net"
    a, b, c = addr(), addr(), addr()
    returned = ours(a)
    text = "This is a delivery status notification.\n"
    if shape == "noaction":
        dsn = ("Reporting-MTA: dns; %s\n\nFinal-Recipient: rfc822; %s\n"
               "Status: 5.1.1\nDiagnostic-Code: smtp; 550 user unknown\n" %
               (mta, a))
        exp = [(a, "permanent")]
    elif shape == "noaction-nostatus":
        dsn = ("Reporting-MTA: dns; %s\n\nFinal-Recipient: rfc822; %s\n"
               "Diagnostic-Code: smtp; 550 5.1.1 user unknown\n" % (mta, a))
        exp = [(a, "permanent")]
    elif shape == "mixed":
        dsn = ("Reporting-MTA: dns; %s\n\nFinal-Recipient: rfc822; %s\n"
               "Action: delivered\nStatus: 2.0.0\n\nFinal-Recipient: rfc822;"
               " %s\nAction: failed\nStatus: 5.2.1\nDiagnostic-Code: smtp; "
               "550 5.2.1 account disabled\n\nFinal-Recipient: rfc822; %s\n"
               "Action: delayed\nStatus: 4.4.7\n" % (mta, a, b, c))
        exp = [(b, "permanent"), (c, "delayed")]
        returned = ours(b)
    elif shape == "upper":
        dsn = ("REPORTING-MTA: DNS; %s\n\nORIGINAL-RECIPIENT: RFC822; %s\n"
               "FINAL-RECIPIENT: RFC822; %s\nACTION: FAILED\nSTATUS: "
               "5.1.1\n" % (mta, a, a))
        exp = [(a, "permanent")]
    elif shape == "expired":
        dsn = ("Reporting-MTA: dns; %s\n\nFinal-Recipient: rfc822; %s\n"
               "Action: failed\nStatus: 4.4.7\nDiagnostic-Code: X-Mailer; "
               "delivery time expired\n" % (mta, a))
        exp = [(a, "temporary")]
    else:  # folded and commented fields
        dsn = ("Reporting-MTA: dns;\n %s\n\nFinal-Recipient: rfc822;\n\t<%s>"
               "\nAction: failed (bad mailbox)\nStatus: 5.1.1 (bad "
               "destination mailbox address)\n" % (mta, a))
        exp = [(a, "permanent")]
    return report("MAILER-DAEMON@%s" % mta, "Delivery Status Notification",
                  text, dsn, returned, upper=(shape == "upper")), exp


def notbounce(kind):
    a = addr()
    mid = ours(a)[0]
    if kind == "ooo":
        return plain("%s" % a, "Automatic reply: Your weekly ShortScience "
                     "digest", "I am out of the office until 20 March with "
                     "limited access to email. For urgent matters please "
                     "contact %s.\n" % addr(a.split("@")[1]),
                     "Auto-Submitted: auto-replied\nIn-Reply-To: <%s>\n" %
                     mid), []
    if kind == "abwesend":
        return plain("%s" % a, "Abwesenheitsnotiz: Your weekly ShortScience "
                     "digest", "Ich bin bis zum 20. M\xe4rz nicht im B\xfcro. "
                     "In dringenden F\xe4llen wenden Sie sich bitte an %s.\n" %
                     addr(a.split("@")[1]),
                     "Auto-Submitted: auto-replied\n").encode(
                         "latin-1").decode("latin-1").replace(
                             "charset=us-ascii", "charset=utf-8"), []
    if kind == "reply":
        return plain("%s" % a, "Re: Your weekly ShortScience digest",
                     "Thanks! The second summary could not be delivered to "
                     "my colleague %s, it says user unknown, can you check?"
                     "\n\nOn Fri, 6 Mar 2026, ShortScience digest wrote:\n> "
                     "Hello, here are this week's summaries.\n" %
                     addr(), "In-Reply-To: <%s>\n" % mid), []
    if kind == "delivered":
        returned = ours(a)
        return report("MAILER-DAEMON@mx.example.net", "Successful Mail "
                      "Delivery Report", "This is the mail system at host "
                      "mx.example.net.\n\nYour message was successfully "
                      "delivered to the destination(s)\nlisted below.\n\n"
                      "<%s>: delivery via local: delivered to mailbox\n" % a,
                      "Reporting-MTA: dns; mx.example.net\n\n"
                      "Final-Recipient: rfc822; %s\nAction: delivered\n"
                      "Status: 2.0.0\n" % a, returned), []
    if kind == "relayed":
        returned = ours(a)
        return report("MAILER-DAEMON@mx.example.net", "Relayed mail",
                      "Your message was relayed to a system that does not "
                      "return delivery notifications:\n\n<%s>\n" % a,
                      "Reporting-MTA: dns; mx.example.net\n\n"
                      "Final-Recipient: rfc822; %s\nAction: relayed\n"
                      "Status: 2.0.0\n" % a, returned), []
    # a challenge of a challenge-response filter
    return plain("%s" % a.replace("@", "-confirm@"), "Please confirm your "
                 "message", "Hello, I use a spam filter. To get your mail "
                 "to %s delivered, please click the link below once:\n\n"
                 "https://cr.example.net/confirm?id=83a1\n" % a,
                 "Auto-Submitted: auto-replied\n"), []


for f, args in [(mcafee, ()), (mcafee, ()), (smtp32, ("full",)),
                (smtp32, ("unknown",)), (netscape, ("quota",)),
                (netscape, ("unknown",)), (sunjes, (1,)), (sunjes, (2,)),
                (sunjes, (1, True)), (rfc3464, ("noaction",)),
                (rfc3464, ("noaction-nostatus",)), (rfc3464, ("mixed",)),
                (rfc3464, ("upper",)), (rfc3464, ("expired",)),
                (rfc3464, ("folded",)), (notbounce, ("ooo",)),
                (notbounce, ("abwesend",)), (notbounce, ("reply",)),
                (notbounce, ("delivered",)), (notbounce, ("relayed",)),
                (notbounce, ("challenge",))]:
    case(f.__name__, *f(*args))


def exim_nonaddress(kind):
    """Exim's list with entries that are no addresses: a pipe or a file an
    alias expanded to, named with the address that generated it."""
    mta = "mail.example.at"
    a, b = addr(), addr()
    returned = ours(a)
    if kind == "pipe":
        body = ("  pipe to |/usr/local/bin/digest-filter\n    generated by "
                "%s\n    local delivery failed\n\n" % a)
        exp = [(a, "permanent")]
    elif kind == "file":
        body = ("  /var/mail/%s\n    generated by %s\n    retry timeout "
                "exceeded\n\n  %s\n    retry timeout exceeded\n\n" %
                (a.split("@")[0], a, b))
        exp = [(a, "permanent"), (b, "permanent")]
    else:
        body = ("  %s\n    all relevant MX records point to non-existent "
                "hosts\n\n" % a)
        exp = [(a, "permanent")]
    text = ("This message was created automatically by mail delivery "
            "software.\n\nA message that you sent could not be delivered "
            "to one or more of its\nrecipients. This is a permanent error. "
            "The following address(es) failed:\n\n" + body +
            "------ This is a copy of the message, including all the "
            "headers. ------\n\n" + inline_copy(returned))
    return plain("Mail Delivery System <Mailer-Daemon@%s>" % mta,
                 "Mail delivery failed: returning message to sender", text,
                 "Auto-Submitted: auto-replied\n"), exp


def exchange_l10n(lang):
    """Exchange 2007 and later in the recipient's language."""
    a = addr(R.choice(["firma.example.de", "societe.example.fr"]))
    returned = ours(a)
    head = {"de": "Die Zustellung an folgende Empf\u00e4nger oder Gruppen "
            "ist fehlgeschlagen:\n\n%s\nDie eingegebene E-Mail-Adresse "
            "wurde nicht gefunden. \u00dcberpr\u00fcfen Sie die "
            "E-Mail-Adresse des Empf\u00e4ngers, und versuchen Sie dann "
            "erneut, die Nachricht zu senden.\n",
            "fr": "La remise aux destinataires ou groupes suivants a "
            "\u00e9chou\u00e9\u00a0:\n\n%s\nL\u2019adresse de messagerie "
            "que vous avez entr\u00e9e est introuvable. V\u00e9rifiez "
            "l\u2019adresse de messagerie du destinataire et essayez de "
            "renvoyer le message.\n"}[lang] % a
    text = head + ("\n\n\nDiagnostic information for administrators:\n\n"
                   "Generating server: mbx01.%s\n\n%s\n#550 5.1.1 "
                   "RESOLVER.ADR.RecipNotFound; not found ##\n\n"
                   "Original message headers:\n\n%s" %
                   (a.split("@")[1], a, returned[1][0]))
    b = "=_%s" % qid(10)
    out = hdr("postmaster@%s" % a.split("@")[1],
              {"de": "Unzustellbar: ", "fr": "Non remis\u00a0: "}[lang] +
              "Your weekly ShortScience digest", "Auto-Submitted: "
              "auto-replied\n", ctype='multipart/mixed; boundary="%s"' % b)
    out = out.replace("Subject: " + {"de": "Unzustellbar: ",
                                     "fr": "Non remis\u00a0: "}[lang],
                      "Subject: " + {"de": "Unzustellbar: ",
                                     "fr": "=?utf-8?q?Non_remis=C2=A0=3A?= "}
                      [lang])
    out += ("\n--%s\nContent-Type: text/plain; charset=utf-8\n"
            "Content-Transfer-Encoding: 8bit\n\n%s\n--%s\nContent-Type: "
            "message/rfc822\n\n%s\n%s\n--%s--\n" %
            (b, text, b, returned[1][0], returned[1][1], b))
    return out, [(a, "permanent")]


def hotmail_old(n=1):
    rcpts = [addr(R.choice(["hotmail.com", "msn.com"])) for _ in range(n)]
    returned = ours(rcpts[0])
    text = ("This is an automatically generated Delivery Status Notification."
            "\n\nDelivery to the following recipients failed.\n\n" +
            "".join("       %s\n\n" % a for a in rcpts))
    dsn = "Reporting-MTA: dns;BAY0-MC1-F12.Bay0.hotmail.com\n" + "".join(
        "\nFinal-Recipient: rfc822;%s\nAction: failed\nStatus: 5.5.0\n"
        "Diagnostic-Code: smtp;550 Requested action not taken: mailbox "
        "unavailable (-2146762734:3056:-2147467259)\n" % a for a in rcpts)
    return report("postmaster@hotmail.com", "Delivery Status Notification "
                  "(Failure)", text, dsn, returned), \
        [(a, "permanent") for a in rcpts]


for f, args in [(exim_nonaddress, ("pipe",)), (exim_nonaddress, ("file",)),
                (exim_nonaddress, ("mx",)), (exchange_l10n, ("de",)),
                (exchange_l10n, ("fr",)), (hotmail_old, (1,)),
                (hotmail_old, (2,))]:
    case(f.__name__.replace("_", ""), *f(*args))


def office365_html():
    """Office 365 with only an HTML part, as some tenants send it."""
    a = addr("tenant.example")
    returned = ours(a)
    html = ("<html><head><meta http-equiv=\"Content-Type\" content=\"text/"
            "html; charset=utf-8\"></head><body><div><p style=\"font-size:"
            "16pt\"><b>Your message to <a href=\"mailto:%s\">%s</a> "
            "couldn&#8217;t be delivered.</b></p><p>%s wasn&#8217;t found at "
            "tenant.example.</p><table><tr><td>%s</td><td>Office 365</td>"
            "<td>tenant.example</td></tr><tr><td>Sender</td><td>Action "
            "Required</td><td>Recipient</td></tr></table><p><b>Unknown To "
            "address</b></p><br><p>Diagnostic information for "
            "administrators:</p><p>Generating server: "
            "DB8PR01MB1234.eurprd01.prod.exchangelabs.com<br><br>%s<br>Remote "
            "Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; "
            "Recipient not found by SMTP address lookup'</p></div></body>"
            "</html>" % (a, a, a.split("@")[0], a.split("@")[0], a))
    b = "=_%s" % qid(10)
    out = hdr("Microsoft Outlook <postmaster@tenant.example>",
              "Undeliverable: Your weekly ShortScience digest",
              "Auto-Submitted: auto-replied\n",
              ctype='multipart/mixed; boundary="%s"' % b)
    out += ("\n--%s\nContent-Type: text/html; charset=utf-8\n\n%s\n--%s\n"
            "Content-Type: message/rfc822\n\n%s\n%s\n--%s--\n" %
            (b, html, b, returned[1][0], returned[1][1], b))
    return out, [(a, "permanent")]


def exchange2010_names(n=2):
    """Exchange lists display names first; the addresses only under its
    diagnostic information."""
    rcpts = [addr("corp.example.net") for _ in range(n)]
    returned = ours(rcpts[0])
    text = "Delivery has failed to these recipients or groups:\n\n"
    for a in rcpts:
        text += ("%s\nThe e-mail address you entered couldn't be found. "
                 "Please check the recipient's e-mail address and try to "
                 "resend the message.\n\n" %
                 a.split("@")[0].replace(".", " ").title())
    text += ("\n\n\nDiagnostic information for administrators:\n\n"
             "Generating server: EXCH01.corp.example.net\n\n")
    for a in rcpts:
        text += "%s\n#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##\n\n" \
            % a
    text += "Original message headers:\n\n" + returned[1][0]
    return mixed("postmaster@corp.example.net", "Undeliverable: Your weekly "
                 "ShortScience digest", text, returned), \
        [(a, "permanent") for a in rcpts]


def yahoo_nomx():
    a = addr(R.choice(["example.con", "exmaple.org"]))
    returned = ours(a)
    text = ("Sorry, we were unable to deliver your message to the following "
            "address.\n\n<%s>:\nNo MX or A records for %s\n\n--- Below "
            "this line is a copy of the message.\n\n" %
            (a, a.split("@")[1])) + inline_copy(returned)
    return plain("MAILER-DAEMON@yahoo.com", "Failure Notice", text), \
        [(a, "permanent")]


def postfix_alias():
    a, target = addr(), addr("elsewhere.example")
    returned = ours(a)
    text = ("This is the mail system at host relay.example.com.\n\nI'm sorry "
            "to have to inform you that your message could not\nbe delivered "
            "to one or more recipients. It's attached below.\n\n"
            "                   The mail system\n\n<%s> (expanded from <%s>): "
            "host\n    mx.elsewhere.example[198.51.100.77] said: 550 5.1.1 "
            "<%s>:\n    Recipient address rejected: User unknown (in reply to "
            "RCPT TO\n    command)\n" % (target, a, target))
    dsn = ("Reporting-MTA: dns; relay.example.com\n\nFinal-Recipient: rfc822; "
           "%s\nOriginal-Recipient: rfc822;%s\nAction: failed\nStatus: 5.1.1"
           "\n" % (target, a))
    return report("MAILER-DAEMON@relay.example.com (Mail Delivery System)",
                  "Undelivered Mail Returned to Sender", text, dsn,
                  returned), [(a, "permanent")]


def mdn():
    a = addr()
    returned = ours(a)
    b = "=_%s" % qid(8)
    out = hdr(a, "Read: Your weekly ShortScience digest", "",
              ctype='multipart/report; report-type=disposition-notification;'
              '\n\tboundary="%s"' % b)
    out += ("\n--%s\nContent-Type: text/plain\n\nYour message to %s was "
            "displayed on %s.\n\n--%s\nContent-Type: "
            "message/disposition-notification\n\nReporting-UA: "
            "mail.example; Mail 3.0\nFinal-Recipient: rfc822;%s\n"
            "Original-Message-ID: <%s>\nDisposition: "
            "manual-action/MDN-sent-manually; displayed\n\n--%s--\n" %
            (b, a, date(), b, a, returned[0], b))
    return out, []


def mailman_hold():
    a = addr()
    return plain("ml-reading-bounces@lists.example.edu", "Your message to "
                 "ml-reading awaits moderator approval",
                 "Your mail to 'ml-reading' with the subject\n\n    Your "
                 "weekly ShortScience digest\n\nIs being held until the list "
                 "moderator can review it for approval.\n\nThe reason it is "
                 "being held:\n\n    Post by non-member to a members-only "
                 "list\n\nEither the message will get posted to the list, or "
                 "you will receive notification of the moderator's decision.\n",
                 "Auto-Submitted: auto-replied\nPrecedence: bulk\n"), []


def exim_gmail_multiline():
    a = addr("gmail.com")
    returned = ours(a)
    text = ("This message was created automatically by mail delivery "
            "software.\n\nA message that you sent could not be delivered "
            "to one or more of its\nrecipients. This is a permanent error. "
            "The following address(es) failed:\n\n  %s\n    host "
            "gmail-smtp-in.l.google.com [142.250.102.27]\n    SMTP error "
            "from remote mail server after pipelined RCPT TO:<%s>:\n    "
            "550-5.1.1 The email account that you tried to reach does not "
            "exist. Please try\n    550-5.1.1 double-checking the "
            "recipient's email address for typos or\n    550-5.1.1 "
            "unnecessary spaces. For more information, go to\n    550 5.1.1  "
            "https://support.google.com/mail/?p=NoSuchUser "
            "e9si1234567wrb.12 - gsmtp\n\n" % (a, a))
    return report("Mail Delivery System <Mailer-Daemon@mx.example.ch>",
                  "Mail delivery failed: returning message to sender", text,
                  "Reporting-MTA: dns; mx.example.ch\n\nAction: failed\n"
                  "Final-Recipient: rfc822;%s\nStatus: 5.0.0\nRemote-MTA: "
                  "dns; gmail-smtp-in.l.google.com\nDiagnostic-Code: smtp; "
                  "550-5.1.1 The email account that you tried to reach does "
                  "not exist.\n" % a, returned,
                  "X-Failed-Recipients: %s\n" % a), [(a, "permanent")]


for f in [office365_html, exchange2010_names, yahoo_nomx, postfix_alias, mdn,
          mailman_hold, exim_gmail_multiline]:
    fam = {"office365_html": "office365", "exchange2010_names":
           "exchange2010", "yahoo_nomx": "yahoo", "postfix_alias": "postfix",
           "mdn": "notbounce", "mailman_hold": "notbounce",
           "exim_gmail_multiline": "exim"}[f.__name__]
    case(fam, *f())


def gmail_blocked():
    """Gmail refusing to relay what it takes for spam, with no DSN and no
    X-Failed-Recipients (as a forwarder passes it on)."""
    a = addr()
    returned = ours(a)
    text = ("\n** Message blocked **\n\nYour message to %s has been "
            "blocked. See technical details below for more information.\n\n"
            "The response was:\nMessage rejected.  For more information, "
            "go to https://support.google.com/mail/?p=UnsolicitedRateLimit\n"
            % a)
    return report("Mail Delivery Subsystem <mailer-daemon@googlemail.com>",
                  "Delivery Status Notification (Failure)", text, None,
                  returned), [(a, "permanent")]


def yahoo_disabled():
    a = addr("yahoo.com")
    returned = ours(a)
    text = ("Sorry, we were unable to deliver your message to the following "
            "address.\n\n<%s>:\nRemote host said: 554 delivery error: dd "
            "Sorry your message to %s cannot be delivered. This mailbox is "
            "disabled (554.30). - mta1234.mail.gq1.yahoo.com [BODY]\n\n--- "
            "Below this line is a copy of the message.\n\n" % (a, a)) + \
        inline_copy(returned)
    return plain("MAILER-DAEMON@yahoo.com", "Failure Notice", text), \
        [(a, "permanent")]


def postfix_relay():
    a, b = addr(), addr()
    returned = ours(a)
    text = ("This is the mail system at host out.example.com.\n\nI'm sorry "
            "to have to inform you that your message could not\nbe delivered "
            "to one or more recipients. It's attached below.\n\n"
            "                   The mail system\n\n<%s>: host %s[198.51.100.2] "
            "said: 554 5.7.1\n    <%s>: Relay access denied (in reply to "
            "RCPT TO command)\n\n<%s>: connect to %s[198.51.100.3]:25: "
            "Connection refused\n\n--- Below this line is a copy of the "
            "message.\n\n" % (a, "mx." + a.split("@")[1], a, b,
                                "mx." + b.split("@")[1])) + \
        inline_copy(returned)
    return plain("MAILER-DAEMON@out.example.com (Mail Delivery System)",
                 "Undelivered Mail Returned to Sender", text), \
        [(a, "permanent"), (b, "temporary")]


for f, fam in [(gmail_blocked, "gmail"), (yahoo_disabled, "yahoo"),
               (postfix_relay, "postfix")]:
    case(fam, *f())


if __name__ == "__main__":
    for name in os.listdir(HERE):
        if name.endswith(".eml") or name.endswith(".expect"):
            os.unlink(os.path.join(HERE, name))
    for name, eml, expect in cases:
        with open(os.path.join(HERE, name + ".eml"), "w",
                  encoding="utf-8") as f:
            f.write(eml)
        with open(os.path.join(HERE, name + ".expect"), "w") as f:
            f.write(expect)
    fams = {n.rsplit("-", 1)[0] for n, _, _ in cases}
    print("%d cases, %d families" % (len(cases), len(fams)))
