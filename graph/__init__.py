"""A small typed client over msal and msgraph-sdk: the few Microsoft Graph calls wrapbot makes."""
