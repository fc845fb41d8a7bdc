/** The webhook secret the tests give the ProcessOut provider (PROCESSOUT_WEBHOOK_SECRET); ProcessOut posts to `?token=` it. */
export const PROCESSOUT_WEBHOOK_SECRET = "whsec_processout_integration_tests"
