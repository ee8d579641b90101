/** An event's callback URL: UserData.MessageCallback.CallbackURL, else the global one, else none. */
export function callbackTarget(globalUrl: string | undefined): (userData: string) => string | undefined {
  return (userData) => {
    const own = parseUserData(userData)?.MessageCallback?.CallbackURL;
    return typeof own === 'string' && own !== '' ? own : globalUrl;
  };
}

export function parseUserData(userData: string): { MessageCallback?: { CallbackURL?: unknown }; Extend?: unknown } | undefined {
  if (userData === '') return undefined;
  try {
    const value = JSON.parse(userData) as unknown;
    return typeof value === 'object' && value !== null ? (value as { MessageCallback?: { CallbackURL?: unknown }; Extend?: unknown }) : undefined;
  } catch {
    return undefined;
  }
}
