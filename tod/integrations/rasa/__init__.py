"""tod and Rasa: tod's pipeline served as Rasa custom actions, and Rasa action servers as tod's back end.

Modules (``docs/rasa.md`` tells how to use them):

* :mod:`.payloads` - the JSON Rasa posts to an action server, parsed and checked into typed values;
* :mod:`.understanding` - Rasa's intent and entities as tod dialogue acts (and the mapping file);
* :mod:`.service` - one turn for a Rasa conversation: state from the store and the tracker's slots,
  the pipeline's step, the reply and the slots to set;
* :mod:`.actions` - ``action_tod_respond`` and ``action_tod_reset`` in a rasa-sdk ``ActionExecutor``;
* :mod:`.server` - rasa-sdk's own Sanic app with tod's checks in front of ``/webhook``;
* :mod:`.webhook_client` - calls to an external Rasa action server, as Rasa itself makes them;
* :mod:`.booking` - the ``rasa-booking`` policy: bookings made by an action server's action.

Only :mod:`.actions` and :mod:`.server` import ``rasa_sdk`` (the ``rasa`` extra); nothing here is
imported by ``tod --help``.
"""
