/** The one page; the signaling server lives beside it at /ws. */
export default function Page() {
  return (
    <main>
      <h1>Next.js with signalroom</h1>
      <p>
        Signaling is at <code>/ws</code> on this same server.
      </p>
    </main>
  );
}
