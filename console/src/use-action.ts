import { useState } from 'preact/hooks';
import { messageOf } from './api.js';

/**
 * A page's changes: `act` runs one, says `done` when it worked, then reloads the page's data; on failure
 * the error is shown instead (the server's message says what to do). Resolves whether it worked.
 */
export function useAction(reload: () => Promise<void>) {
  const [error, setError] = useState('');
  const [note, setNote] = useState('');
  const act = async (what: () => Promise<unknown>, done: string): Promise<boolean> => {
    setError('');
    try {
      await what();
      setNote(done);
      await reload();
      return true;
    } catch (e) {
      setError(messageOf(e));
      return false;
    }
  };
  return { error, setError, note, act };
}
