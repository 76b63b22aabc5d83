// The ceiling: an express 5 app with express.json() that parses the same ~3.5 KB bill and answers a
// small JSON, in its own process exactly as the service runs. Whatever the machine does to one, it does
// to the other in the same run.
import express from 'express';

const app = express();
app.use(express.json({ limit: '1mb' }));
app.post('/echo', (req, res) => {
  res.status(201).json({ ok: true, billNo: req.body.billNo, items: req.body.items?.length ?? 0 });
});
const server = app.listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.('ready'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
