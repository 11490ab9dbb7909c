"""The driver contract (version 2): everything a driver author imports besides the public models.

A driver is a *translator*: it builds broker requests from canonical objects, parses broker
payloads into canonical models, decodes stream frames and describes its auth steps, rate limits
and error codes as data. It never opens a socket and never checks user input: the core owns every
connection, retry, rate limit, reconnect and validation. One module per hook area:

- :mod:`~tt_connect.driver_api.plugin`: ``DriverPlugin``, the class a driver subclasses;
- :mod:`~tt_connect.driver_api.config`: ``DriverConfig``;
- :mod:`~tt_connect.driver_api.wire`: requests, replies, calls, sockets, transports;
- :mod:`~tt_connect.driver_api.errors`: ``BrokerFailure`` and ``ErrorMap``;
- :mod:`~tt_connect.driver_api.auth`: ``BrokerAuth``, sessions and login steps;
- :mod:`~tt_connect.driver_api.instruments`: the instrument master source;
- :mod:`~tt_connect.driver_api.context`: what the core lends a translator;
- :mod:`~tt_connect.driver_api.capabilities`: the capability matrix;
- :mod:`~tt_connect.driver_api.limits`: rate classes;
- :mod:`~tt_connect.driver_api.api`: ``BrokerApi``, the REST translator;
- :mod:`~tt_connect.driver_api.streaming`: ``BrokerStream`` and frame decoders;
- :mod:`~tt_connect.driver_api.fields`: lenient readers of payload fields (numbers as text, times).

Bump :data:`DRIVER_API_VERSION` on any incompatible change.
"""

from tt_connect.driver_api import fields
from tt_connect.driver_api.api import BrokerApi
from tt_connect.driver_api.auth import (
    AuthKind,
    BrokerAuth,
    LoginFlow,
    LoginReply,
    LoginStep,
    NeedRedirect,
    NeedTotp,
    Session,
    StepError,
    jwt_claims,
    login_reply_body,
)
from tt_connect.driver_api.capabilities import EMULABLE, Capabilities, Operation, SegmentCapabilities, Support
from tt_connect.driver_api.config import DriverConfig
from tt_connect.driver_api.context import DriverContext
from tt_connect.driver_api.errors import BrokerFailure, ErrorMap
from tt_connect.driver_api.instruments import (
    CANONICAL_COLUMNS,
    OPTIONAL_COLUMNS,
    BrokerSymbol,
    InstrumentFile,
    InstrumentSource,
)
from tt_connect.driver_api.limits import RateClass, RateLimits
from tt_connect.driver_api.plugin import DRIVER_API_VERSION, DriverDescription, DriverPlugin, MarketLink
from tt_connect.driver_api.streaming import BrokerStream, FrameDecoder, StreamRejected
from tt_connect.driver_api.wire import (
    Call,
    Encoding,
    HttpRequest,
    HttpResponse,
    PagedCall,
    Transport,
    WsClosed,
    WsConnection,
    parse_rows,
    reply_list,
    reply_object,
)

__all__ = [
    "CANONICAL_COLUMNS",
    "OPTIONAL_COLUMNS",
    "DRIVER_API_VERSION",
    "EMULABLE",
    "AuthKind",
    "BrokerApi",
    "BrokerAuth",
    "BrokerFailure",
    "BrokerStream",
    "BrokerSymbol",
    "Call",
    "Capabilities",
    "DriverConfig",
    "DriverContext",
    "DriverDescription",
    "DriverPlugin",
    "MarketLink",
    "Encoding",
    "ErrorMap",
    "FrameDecoder",
    "HttpRequest",
    "HttpResponse",
    "InstrumentFile",
    "InstrumentSource",
    "LoginFlow",
    "LoginReply",
    "LoginStep",
    "NeedRedirect",
    "NeedTotp",
    "Operation",
    "PagedCall",
    "RateClass",
    "RateLimits",
    "SegmentCapabilities",
    "Session",
    "StepError",
    "StreamRejected",
    "Support",
    "Transport",
    "WsClosed",
    "WsConnection",
    "fields",
    "jwt_claims",
    "login_reply_body",
    "parse_rows",
    "reply_list",
    "reply_object",
]
