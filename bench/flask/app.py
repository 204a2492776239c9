"""A typical hand-written Twilio voice webhook: Flask + twilio's TwiML builders.

Signs callers up for a callback: asks what they want, their name and their phone
number, and keeps everything in memory (one process only). See README.md.
"""
import re
import threading

from flask import Flask, jsonify, request
from twilio.twiml.voice_response import Gather, VoiceResponse

app = Flask(__name__)

# State lives in memory, keyed by CallSid. The server is threaded, so lock it.
calls = {}
registrations = []
lock = threading.Lock()

GREETING = "Hi! I can sign you up for a callback. What would you like to do?"
NOT_UNDERSTOOD = "Sorry, I didn't catch that. What would you like to do?"
ASK_NAME = "What is your name?"
ASK_PHONE = "What's your phone number? You can say it or key it in."
BAD_PHONE = "Sorry, I didn't get that number. What's your phone number?"

REGISTER_WORDS = ("register", "sign up", "signup", "sign me up", "join")
GOODBYE_WORDS = ("goodbye", "bye", "that's all", "that is all")
NAME_PREFIXES = ("my name is", "it's", "it is", "i'm", "i am", "this is")
SPOKEN_DIGITS = {
    "zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "three": "3",
    "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
}


def twiml(response):
    return str(response), 200, {"Content-Type": "text/xml"}


def ask(text):
    """A <Say> inside a <Gather> that posts the answer back to /voice/gather."""
    response = VoiceResponse()
    gather = Gather(input="speech dtmf", action="/voice/gather",
                    method="POST", speech_timeout="auto")
    gather.say(text)
    response.append(gather)
    return twiml(response)


def intent_of(text):
    text = text.lower()
    if any(word in text for word in REGISTER_WORDS):
        return "register"
    if any(re.search(r"\b" + re.escape(word) + r"\b", text) for word in GOODBYE_WORDS):
        return "goodbye"
    return None


def extract_name(text):
    text = text.lower().strip().rstrip(".!?")
    for prefix in NAME_PREFIXES:
        if text.startswith(prefix + " "):
            text = text[len(prefix):]
            break
    words = re.findall(r"[a-z'-]+", text)
    return words[0].capitalize() if words else None


def extract_phone(digits, speech):
    if digits:
        number = digits.rstrip("#")
    else:
        number = ""
        for word in re.findall(r"[a-z]+|\d+", speech.lower()):
            number += word if word.isdigit() else SPOKEN_DIGITS.get(word, "")
    return number if len(number) == 10 and number.isdigit() else None


@app.route("/voice", methods=["POST"])
def voice():
    call_sid = request.form.get("CallSid", "")
    with lock:
        calls[call_sid] = {"step": "intent"}
    return ask(GREETING)


@app.route("/voice/gather", methods=["POST"])
def gather():
    call_sid = request.form.get("CallSid", "")
    speech = request.form.get("SpeechResult", "")
    digits = request.form.get("Digits", "")

    with lock:
        call = calls.get(call_sid)
        if call is None:
            # Unknown call (e.g. the server restarted): start it afresh.
            calls[call_sid] = {"step": "intent"}
            return ask(GREETING)

        if call["step"] == "intent":
            intent = intent_of(speech)
            if intent == "register":
                call["step"] = "name"
                return ask(ASK_NAME)
            if intent == "goodbye":
                del calls[call_sid]
                response = VoiceResponse()
                response.say("Goodbye!")
                response.hangup()
                return twiml(response)
            return ask(NOT_UNDERSTOOD)

        if call["step"] == "name":
            name = extract_name(speech)
            if not name:
                return ask(ASK_NAME)
            call["name"] = name
            call["step"] = "phone"
            return ask(ASK_PHONE)

        if call["step"] == "phone":
            phone = extract_phone(digits, speech)
            if not phone:
                return ask(BAD_PHONE)
            registrations.append({"call_sid": call_sid, "name": call["name"], "phone": phone})
            call["step"] = "intent"
            return ask(f"Thank you, {call['name']}. You're on the list, and we'll call "
                       "you back soon. You can register someone else, or say goodbye.")

    return ask(NOT_UNDERSTOOD)


@app.route("/voice/status", methods=["POST"])
def status():
    call_sid = request.form.get("CallSid", "")
    with lock:
        calls.pop(call_sid, None)
    return twiml(VoiceResponse())


@app.route("/collected", methods=["GET"])
def collected():
    with lock:
        return jsonify(registrations=len(registrations))


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=5000, threaded=True)
