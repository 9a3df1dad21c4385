"""Graph failures, in words a coordinator can act on."""

NO_POLICY_MARKER = "no application access policy"


class GraphProblem(Exception):
    """Graph answered with an error (after the SDK's own retries) or could not be reached."""

    def __init__(self, status: int, code: str, message: str) -> None:
        self.status = status
        self.code = code
        self.message = message
        super().__init__(f"Microsoft Graph said {status} {code}: {message}".strip())

    @property
    def no_access_policy(self) -> bool:
        """The most common production failure: Teams has not granted the app the organiser."""
        return self.status == 403 and NO_POLICY_MARKER in self.message.lower()

    @property
    def not_found(self) -> bool:
        return self.status == 404


class GraphNotConfigured(Exception):
    def __init__(self) -> None:
        super().__init__(
            "Microsoft Graph is not configured: set GRAPH_TENANT_ID, GRAPH_CLIENT_ID and "
            "GRAPH_CLIENT_SECRET (or GRAPH_CLIENT_CERTIFICATE_PATH), and GRAPH_ORGANISER."
        )
