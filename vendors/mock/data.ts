/** The data a mock vendor serves: plausible for the payload types it knows, the payload itself otherwise. */
export interface VendorResult {
  request_id: string
  source: string
  data: Record<string, unknown>
  served_at: string
}

export function vendorResult (requestId: string, payload: Record<string, unknown>, source: string): VendorResult {
  return { request_id: requestId, source, data: dataFor(payload), served_at: new Date().toISOString() }
}

function dataFor (payload: Record<string, unknown>): Record<string, unknown> {
  const { type, userId } = payload
  if (type === 'user_data' && (typeof userId === 'number' || typeof userId === 'string')) {
    return { userId, name: `User ${userId}`, email: `user${userId}@example.com` }
  }
  return payload
}
