"""The factory of the token authorizer and the outbound call policy."""
from pip_services3_commons.refer import Descriptor
from pip_services3_components.build import Factory

from service_background.common.clients.outbound import OutboundPolicy
from service_background.common.security.token_authorizer import TokenAuthorizer


class SecurityFactory(Factory):
    """Who may call in and where the service may call out: the API token authorizer every
    HTTP endpoint applies, and the outbound rules of HTTP@ runs, callbacks and the Lua redis module."""
    TokenAuthorizerDescriptor = Descriptor('service-background', 'authorizer', 'token', '*', '1.0')
    OutboundPolicyDescriptor = Descriptor('service-background', 'outbound-policy', 'default', '*', '1.0')

    def __init__(self):
        super().__init__()
        self.register_as_type(self.TokenAuthorizerDescriptor, TokenAuthorizer)
        self.register_as_type(self.OutboundPolicyDescriptor, OutboundPolicy)
