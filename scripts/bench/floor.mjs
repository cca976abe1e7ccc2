// The floor: the least a Node process can do to open a session, one fetch to the create endpoint.
await fetch(process.env.FLOOR_URL, {
  method: 'POST',
  headers: { authorization: `Bearer ${process.env.FLOOR_KEY}`, 'content-type': 'application/json' },
  body: JSON.stringify({ prompt: 'floor' })
})
